"""The ensemble engine on CUDA: each member as on the CPU (GD, SGD-32, 1,000 steps,
the tolerances of tests/test_torch_cuda.py), graph replays as eager updates (MSE and
cross-entropy, with an epoch's partial last batch), a diverged member frozen.
Skipped without CUDA."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from specs import make_spec  # noqa: E402

from sgd_support.core.batches import BatchStream, take_all  # noqa: E402
from sgd_support.core.data.store import Dataset  # noqa: E402
from sgd_support.core.data.synthetic import make_synthetic, support_mask  # noqa: E402
from sgd_support.core.group import train_ensemble  # noqa: E402
from sgd_support.core.models import init_weights, layer_shapes  # noqa: E402

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]

SHAPES = layer_shapes(15, [15, 15, 15], 1)


def linear_data(seed=0):
    x, y = make_synthetic(5000, 15, 5, 0.001, "linear", seed=seed)
    return Dataset(x=x, y=y, support=support_mask(15, 5))


# The bars of tests/test_torch_cuda.py (see there: not re-measured on a GPU in issue 23)
@pytest.mark.parametrize(
    "batch, norm_rtol, loss_rtol", [(None, 1e-5, 1e-4), (32, 1e-4, 1e-4)], ids=["gd", "sgd32"]
)
def test_cuda_members_match_cpu_members(batch, norm_rtol, loss_rtol):
    data = linear_data()
    specs = {
        device: [
            make_spec(
                lr=lr,
                batch=batch,
                steps=1000,
                engine="torch",
                device=device,
                order_seed=s,
                dense_until=0,
                per_decade=0,
            )
            for lr, s in ((0.1, 0), (0.05, 3))
        ]
        for device in ("cpu", "cuda")
    }
    inits = [init_weights(SHAPES, 0)] * 2
    last = {device: [r.rows[-1] for r in train_ensemble(data, inits, specs[device])] for device in specs}
    for cpu, cuda in zip(last["cpu"], last["cuda"]):
        assert cuda["irrelevant_norm"] == pytest.approx(cpu["irrelevant_norm"], rel=norm_rtol)
        assert cuda["full_loss"] == pytest.approx(cpu["full_loss"], rel=loss_rtol)


def _trajectory(data, inits, batch, cuda_graphs, loss="mse"):
    from sgd_support.core.engines.ensemble import EnsembleEngine

    k = len(inits)
    engine = EnsembleEngine(
        data,
        [[w.copy() for w in i] for i in inits],
        activation="relu",
        loss=loss,
        lr=[0.1] * k,
        weight_decay=[1e-4] * k,
        clip=[1.0] * k,
        device="cuda",
        cuda_graphs=cuda_graphs,
    )
    streams = [BatchStream(data.n, batch or data.n, s) for s in range(k)]
    out = []
    for _ in range(10):
        losses = engine.step_full(100) if batch is None else engine.step_batches(*take_all(streams, 100))
        out.extend(losses.tolist())
        out.extend(float(np.linalg.norm(w[0])) for w in engine.weights())
    assert engine.graphed == cuda_graphs
    return out


@pytest.mark.parametrize("batch", [None, 32, 3000], ids=["gd", "sgd32", "sgd3000-partial"])
def test_cuda_graph_replays_match_eager_updates(batch):
    data = linear_data(seed=1)
    inits = [init_weights(SHAPES, s) for s in range(4)]
    # a replay runs the kernels of the eager update: the same bits expected; 1e-6 (~10 float32
    # ulps) was not re-measured on a GPU (none lent in issue 23)
    assert _trajectory(data, inits, batch, True) == pytest.approx(
        _trajectory(data, inits, batch, False), rel=1e-6
    )


def test_cuda_graph_replays_match_eager_updates_cross_entropy():
    rng = np.random.default_rng(0)
    x = rng.random((2000, 64), dtype=np.float32)
    labels = (x[:, :8].sum(axis=1) * 10 / 8).astype(np.int64) % 10
    data = Dataset(
        x=x,
        y=np.eye(10, dtype=np.float32)[labels],
        support=np.arange(64) < 8,
        task="classification",
        labels=labels,
    )
    inits = [init_weights(layer_shapes(64, [32, 16], 10), s) for s in range(3)]
    graphed = _trajectory(data, inits, 32, True, loss="cross_entropy")
    assert graphed == pytest.approx(_trajectory(data, inits, 32, False, loss="cross_entropy"), rel=1e-6)


def test_a_diverged_member_is_frozen_on_cuda():
    data = linear_data()
    specs = [
        make_spec(
            lr=lr, batch=32, steps=300, engine="torch", device="cuda", clip=clip, dense_until=10, per_decade=5
        )
        for lr, clip in ((0.1, 1.0), (50.0, None))
    ]
    results = train_ensemble(data, [init_weights(SHAPES, 0)] * 2, specs)
    assert [r.status for r in results] == ["completed", "diverged"]
    assert results[1].snapshots[-1][0] == results[1].diverged_step

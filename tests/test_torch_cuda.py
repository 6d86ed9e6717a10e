"""The torch engine computes the same GD and SGD-32 trajectories on CUDA as on the
CPU (linear target, 1,000 steps, within float32 tolerance). Skipped without CUDA."""

import pytest

torch = pytest.importorskip("torch")

from specs import make_spec  # noqa: E402

from sgd_support.core.data.store import Dataset  # noqa: E402
from sgd_support.core.data.synthetic import make_synthetic, support_mask  # noqa: E402
from sgd_support.core.models import init_weights, layer_shapes  # noqa: E402
from sgd_support.core.training import train  # noqa: E402

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]


# GD's loss sits at the edge of stability, which amplifies rounding differences to ~3e-5.
# These bars were not re-measured against a rounding envelope: no GPU was lent to the
# session that put the CPU tests on envelopes (issue 23). On the CPU the envelope of this
# run (tests/envelopes.py: the engine against itself one ulp away) is, at step 1,000,
# 1.7e-6 (GD) and 3.9e-6 (SGD-32) on the irrelevant norm, 4.5e-5 and 1.3e-3 on the loss
# (max over the steps; AMD EPYC), so 1e-5/1e-4 are 6x and 26x those on the norms.
@pytest.mark.parametrize(
    "batch, norm_rtol, loss_rtol", [(None, 1e-5, 1e-4), (32, 1e-4, 1e-4)], ids=["gd", "sgd32"]
)
def test_cuda_matches_cpu(batch, norm_rtol, loss_rtol):
    x, y = make_synthetic(5000, 15, 5, 0.001, "linear", seed=0)
    data = Dataset(x=x, y=y, support=support_mask(15, 5))
    init = init_weights(layer_shapes(15, [15, 15, 15], 1), 0)
    rows = {}
    for device in ("cpu", "cuda"):
        spec = make_spec(
            lr=0.1, batch=batch, steps=1000, engine="torch", device=device, dense_until=0, per_decade=0
        )
        result = train(data, init, spec)
        assert result.engine["device"].startswith(device)
        rows[device] = result.rows[-1]
    assert rows["cuda"]["irrelevant_norm"] == pytest.approx(rows["cpu"]["irrelevant_norm"], rel=norm_rtol)
    assert rows["cuda"]["full_loss"] == pytest.approx(rows["cpu"]["full_loss"], rel=loss_rtol)


def _trajectory(data, init, batch, cuda_graphs, loss="mse"):
    """Irrelevant-weight norms and losses every 100 steps of the engine on CUDA."""
    from sgd_support.core.batches import BatchStream
    from sgd_support.core.engines.torch_engine import TorchEngine
    from sgd_support.core.recording import weight_metrics

    engine = TorchEngine(
        data,
        [w.copy() for w in init],
        activation="relu",
        loss=loss,
        lr=0.1,
        weight_decay=1e-4,
        clip=1.0,
        device="cuda",
        cuda_graphs=cuda_graphs,
    )
    stream = BatchStream(data.n, batch or data.n, 3)
    out = []
    for _ in range(10):
        loss = engine.step_full(100) if batch is None else engine.step_batches(*stream.take(100))
        out.append((loss, weight_metrics(engine.weights(), data.support)["irrelevant_norm"]))
    return out


@pytest.mark.parametrize("batch", [None, 32, 3000], ids=["gd", "sgd32", "sgd3000-partial"])
def test_cuda_graph_replays_match_eager_updates(batch):
    # b=3000 on 10,000 rows ends every epoch with a 1,000-row batch: a second graph
    x, y = make_synthetic(5000, 15, 5, 0.001, "sine", seed=1)
    data = Dataset(x=x, y=y, support=support_mask(15, 5))
    init = init_weights(layer_shapes(15, [15, 15, 15], 1), 2)
    graphed, eager = _trajectory(data, init, batch, True), _trajectory(data, init, batch, False)
    # a replay runs the kernels of the eager update: the same bits expected; 1e-6 (~10 float32
    # ulps) was not re-measured on a GPU (none lent in issue 23)
    assert graphed == pytest.approx(eager, rel=1e-6)


@pytest.mark.parametrize("batch", [None, 32], ids=["gd", "sgd32"])
def test_cuda_graph_replays_match_eager_updates_cross_entropy(batch):
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.random((2000, 64), dtype=np.float32)
    labels = (x[:, :8].sum(axis=1) * 10 / 8).astype(np.int64) % 10  # learnable from the first 8 inputs
    y = np.eye(10, dtype=np.float32)[labels]
    data = Dataset(x=x, y=y, support=np.arange(64) < 8, task="classification", labels=labels)
    init = init_weights(layer_shapes(64, [32, 16], 10), 0)
    graphed = _trajectory(data, init, batch, True, loss="cross_entropy")
    eager = _trajectory(data, init, batch, False, loss="cross_entropy")
    assert graphed == pytest.approx(eager, rel=1e-6)

"""The linear engine (engines/linear.py: GD from X^T X, SGD through the end-to-end
matrix) computes the numba engine's trajectories up to rounding, and "auto" picks it
for linear networks where it pays.

The bar. Both engines round differently every step (float64 statistics against
float32 passes through the rows), so their distance is compared with what rounding
alone does to the numba engine: the same run started one ulp away in every weight.
Measured on the default data set (10,000 rows, 3x15 linear network, clip 1) over
1,000 GD steps at lr 0.01, init seeds 0-2, wd 0 and 0.1: that envelope is 1.6e-7 to
4.1e-7 in the weights (max |dw| / max |w| per layer, at every 50th step) and the
linear engine is 1.1e-7 to 4.2e-7 from numba. The 1e-5 bar is 25x the envelope.
Larger lrs put GD at the edge of stability (the loss alternates, clipped steps), where
rounding is amplified chaotically: at lr 0.1-0.5 the envelope is itself 4e-6 to 1e-1
and the engines differ by as much, so there the trajectories are compared against the
envelope measured in the test and in distribution over one-ulp perturbations.
"""

import numpy as np
import pytest
from specs import make_spec

from sgd_support.core.batches import BatchStream
from sgd_support.core.data.store import Dataset
from sgd_support.core.data.synthetic import make_synthetic, support_mask
from sgd_support.core.engines import LINEAR_MIN_BATCH, make_engine, pick_engine
from sgd_support.core.engines.linear import LinearEngine
from sgd_support.core.engines.numba_engine import NumbaEngine
from sgd_support.core.models import init_weights, layer_shapes
from sgd_support.core.training import train

SHAPES = layer_shapes(15, [15, 15, 15], 1)
BAR = 1e-5  # 25x the measured one-ulp envelope (module docstring)


@pytest.fixture(scope="module")
def data():
    """The default config's linear data set: 10,000 rows, d=15, r=5."""
    x, y = make_synthetic(5000, 15, 5, 0.001, "linear", seed=0)
    return Dataset(x=x, y=y, support=support_mask(15, 5))


def one_ulp(init, seed=1):
    rng = np.random.default_rng(seed)
    return [
        np.nextafter(w, np.where(rng.random(w.shape) < 0.5, -np.inf, np.inf).astype(np.float32)) for w in init
    ]


def trajectory(engine_cls, data, init, *, lr, wd=0.0, batch=None, steps=1000, every=50):
    """(weights, full loss) every ``every`` steps."""
    engine = engine_cls(
        data, [w.copy() for w in init], activation="identity", loss="mse", lr=lr, weight_decay=wd, clip=1.0
    )
    stream = None if batch is None else BatchStream(data.n, batch, 0)
    out = []
    for _ in range(0, steps, every):
        if stream is None:
            engine.step_full(every)
        else:
            engine.step_batches(*stream.take(every))
        out.append((engine.weights(), engine.evaluate()["full_loss"]))
    return out


def weight_distance(a, b) -> float:
    """Largest relative distance of two trajectories' weights: max |dw| / max |w|."""
    return max(
        max(float(np.abs(u - v).max() / np.abs(u).max()) for u, v in zip(wa, wb))
        for (wa, _), (wb, _) in zip(a, b)
    )


def loss_distance(a, b) -> float:
    return max(abs(la - lb) / abs(la) for (_, la), (_, lb) in zip(a, b))


def float64_loss(data, weights) -> float:
    """The MSE through every row in float64: what the statistics must reproduce."""
    out = data.x.astype(np.float64)
    for w in weights:
        out = out @ w.astype(np.float64).T
    return float(np.mean((out - data.y.astype(np.float64)) ** 2))


@pytest.mark.parametrize("seed, wd", [(0, 0.0), (1, 0.0), (0, 0.1), (2, 0.1)])
def test_gd_equals_numba_engine_within_the_rounding_envelope(data, seed, wd):
    init = init_weights(SHAPES, seed)
    ours = trajectory(LinearEngine, data, init, lr=0.01, wd=wd)
    numba = trajectory(NumbaEngine, data, init, lr=0.01, wd=wd)
    assert weight_distance(ours, numba) < BAR
    assert weight_distance(ours, [(init, 0)] * len(ours)) > 0.1  # training moved the weights
    if wd:  # the loss stays ~1e-3: numba's float32 loss is good to ~1e-6 there
        assert loss_distance(ours, numba) < BAR
    # without decay the loss reaches the noise floor (1e-6), where numba's float32 pass
    # through the rows is off by ~1e-5; the statistics match a float64 pass instead
    for weights, loss in ours[::5]:
        assert loss == pytest.approx(float64_loss(data, weights), rel=1e-6)


@pytest.mark.parametrize("lr, wd", [(0.1, 0.0), (0.5, 0.0)])
def test_gd_at_the_edge_of_stability_stays_within_a_few_envelopes(data, lr, wd):
    """Where rounding is amplified, the distance to numba is of the order of numba's
    own distance to itself from one ulp away (measured 1-3x; 10x allowed)."""
    init = init_weights(SHAPES, 0)
    numba = trajectory(NumbaEngine, data, init, lr=lr, wd=wd)
    envelope = weight_distance(numba, trajectory(NumbaEngine, data, one_ulp(init), lr=lr, wd=wd))
    assert weight_distance(trajectory(LinearEngine, data, init, lr=lr, wd=wd), numba) < 10 * envelope


@pytest.mark.parametrize("batch, lr", [(32, 0.1), (128, 0.1), (512, 0.01)])
def test_sgd_equals_numba_engine_within_a_few_envelopes(data, batch, lr):
    """Same batches, 2,000 steps: measured 1-4x numba's one-ulp envelope (2e-6 to 2e-5)."""
    init = init_weights(SHAPES, 0)
    kw = dict(lr=lr, batch=batch, steps=2000, every=100)
    numba = trajectory(NumbaEngine, data, init, **kw)
    envelope = weight_distance(numba, trajectory(NumbaEngine, data, one_ulp(init), **kw))
    assert envelope < 1e-4, "not a stable regime: pick another"
    assert weight_distance(trajectory(LinearEngine, data, init, **kw), numba) < 10 * envelope


def test_full_loss_and_test_loss_from_statistics(data):
    """Away from the floor as well as at it (1e-6, where the three terms cancel)."""
    rng = np.random.default_rng(3)
    x_test = rng.standard_normal((300, 15)).astype(np.float32)
    with_test = Dataset(x=data.x, y=data.y, support=data.support, x_test=x_test, y_test=x_test[:, :1] * 2)
    engine = LinearEngine(
        with_test,
        init_weights(SHAPES, 0),
        activation="identity",
        loss="mse",
        lr=0.01,
        weight_decay=0.0,
        clip=1.0,
    )
    for steps in (0, 10, 3000):
        engine.step_full(steps) if steps else None
        metrics = engine.evaluate()
        weights = engine.weights()
        assert metrics["full_loss"] == pytest.approx(float64_loss(with_test, weights), rel=1e-6)
        test = Dataset(x=x_test, y=with_test.y_test, support=data.support)
        assert metrics["test_loss"] == pytest.approx(float64_loss(test, weights), rel=1e-6)
    assert metrics["full_loss"] < 2e-6  # reached the noise floor


def test_step_returns_the_loss_before_the_last_update(data):
    init = init_weights(SHAPES, 0)
    engine = LinearEngine(data, init, activation="identity", loss="mse", lr=0.01, weight_decay=0.0, clip=1.0)
    before = engine.evaluate()["full_loss"]
    assert engine.step_full(1) == pytest.approx(before, rel=1e-6)
    idx, off = BatchStream(data.n, 64, 0).take(1)
    batch_loss = float64_loss(Dataset(x=data.x[idx], y=data.y[idx], support=data.support), engine.weights())
    assert engine.step_batches(idx, off) == pytest.approx(batch_loss, rel=1e-9)


def test_auto_picks_the_linear_engine_for_linear_networks_where_it_pays():
    n = sum(o * i for o, i in SHAPES)
    pick = dict(activation="identity", loss="mse")
    assert pick_engine("auto", n, batch=None, **pick) == "linear"  # GD and GD+wd
    assert pick_engine("auto", n, batch=LINEAR_MIN_BATCH, **pick) == "linear"
    assert pick_engine("auto", n, batch=512, **pick) == "linear"
    assert pick_engine("auto", n, batch=1, **pick) == "numba"  # measured slower there
    assert pick_engine("auto", n, **pick) == "numba"  # batch unknown: the safe choice
    assert pick_engine("auto", n, batch=None, activation="relu", loss="mse") == "numba"
    assert pick_engine("auto", n, batch=None, device="cuda", **pick) == "torch"
    assert pick_engine("numba", n, batch=None, **pick) == "numba"  # a forced engine is kept


def test_training_run_records_the_engine_and_method(data):
    init = init_weights(SHAPES, 0)
    for batch, engine, method in [
        (None, "linear", "sufficient statistics"),
        (128, "linear", "end-to-end matrix"),
    ]:
        result = train(data, init, make_spec(lr=0.01, batch=batch, steps=200, dense_until=10, per_decade=5))
        assert result.engine["engine"] == engine and result.engine["method"] == method
    assert train(data, init, make_spec(lr=0.01, batch=1, steps=50)).engine["engine"] == "numba"


def test_linear_engine_refuses_relu_and_cross_entropy(data):
    init = init_weights(SHAPES, 0)
    hyper = dict(lr=0.1, weight_decay=0.0, clip=1.0)
    with pytest.raises(ValueError, match="identity activations"):
        make_engine("linear", data, init, activation="relu", loss="mse", **hyper)
    with pytest.raises(ValueError, match="identity activations"):
        make_engine("linear", data, init, activation="identity", loss="cross_entropy", **hyper)


@pytest.mark.slow
def test_chaotic_gd_wd_agrees_in_distribution(data):
    """GD+wd at lr 0.1 (the paper's) is chaotic: 16 one-ulp perturbations of the init
    per engine; the means of the final irrelevant norm and loss agree within 3 SE."""
    small = Dataset(x=data.x[:1000], y=data.y[:1000], support=data.support)
    init = init_weights(SHAPES, 0)

    def finals(engine):
        out = []
        for seed in range(16):
            spec = make_spec(
                lr=0.1, batch=None, steps=5000, weight_decay=0.1, engine=engine, dense_until=0, per_decade=0
            )
            last = train(small, one_ulp(init, seed), spec).rows[-1]
            out.append((last["irrelevant_norm"], last["full_loss"]))
        return np.array(out)

    ours, theirs = finals("linear"), finals("numba")
    se = np.sqrt(ours.var(axis=0, ddof=1) / len(ours) + theirs.var(axis=0, ddof=1) / len(theirs))
    assert np.all(se > 0), "the ensemble did not spread: not a chaotic regime"
    assert np.all(np.abs(ours.mean(axis=0) - theirs.mean(axis=0)) < 3 * se)

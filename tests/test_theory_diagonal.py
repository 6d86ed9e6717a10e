"""E12's rows (experiments/theory/diagonal.py) on runs built here: GD on diagonal networks
simulated in numpy at the population level (E[x x^T] = I, so each coordinate's path
evolves on its own, as in App. K.2), and trajectories with set vanishing times."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sgd_support.experiments.theory import diagonal as dg
from sgd_support.experiments.theory import diagonal_runs as dr
from sgd_support.experiments.theory import targets as tg
from sgd_support.experiments.theory import theorem2 as t2

D, R = 8, 2  # inputs, support
SUPPORT = np.arange(D) < R
SUPPORTS = {"lin": SUPPORT, "sine": SUPPORT, "cx": np.arange(3) < 1}


def optimizer(batch="full", sampling=tg.WITHOUT, **extra):
    base = {"batch": batch, "weight_decay": 0.0, "label_noise": 0.0, "momentum": 0.0, "adam": None}
    return {**base, "sampling": sampling, **extra}


def config(dataset="lin", depth=2, activation="identity", **opt):
    target = {"lin": "linear", "sine": "sine"}.get(dataset)
    data = {"kind": "synthetic", "target": target} if target else {"kind": "relu_counterexample"}
    model = {"structure": "diagonal", "depth": depth, "activation": activation}
    if dataset == "cx":
        model = {"structure": "dense", "activation": "relu"}
    return {"dataset": data, "model": model, "optimizer": optimizer(**opt)}


def as_weights(paths: np.ndarray) -> list[np.ndarray]:
    """(L, d) path weights as a diagonal network's dense matrices."""
    return [np.diag(w) for w in paths[:-1]] + [paths[-1][None, :]]


def make_run(
    start, end, dataset="lin", batch="full", init=0, order=0, lr=0.1, traj=None, status="completed", **cfg
):
    coords = {"dataset": dataset, "model": "m", "optimizer": "o", "lr": lr, "batch": str(batch)}
    coords.update(init=str(init), order=str(order))
    if traj is None:
        traj = pd.DataFrame({"step": [0, 1], "full_loss": [1.0, 0.1], "irrelevant_norm": [1.0, 0.5]})
    cfg = config(dataset, depth=len(start), batch=batch, **cfg)
    return dr.DiagonalRun(coords, cfg, status, traj, as_weights(start), as_weights(end))


def population_gd(start: np.ndarray, lr: float = 0.02, steps: int = 4000) -> np.ndarray:
    """GD on mean((f(x) - y)^2) with E[x x^T] = I and y = sum of the support: each path
    p_j = prod_l W_l[j, j] has gradient 2 (p_j - p*_j) prod_{k != l} W_k[j, j]."""
    w, target = start.copy(), SUPPORT.astype(float)
    for _ in range(steps):
        residual = 2 * (w.prod(axis=0) - target)
        others = np.stack([np.delete(w, h, axis=0).prod(axis=0) for h in range(len(w))])
        w = w - lr * residual * others
    return w


def gd_runs(depth: int, seeds: int) -> list[dr.DiagonalRun]:
    runs = []
    for seed in range(seeds):
        start = np.random.default_rng(seed).normal(size=(depth, D))
        runs.append(make_run(start, population_gd(start), init=seed))
    return runs


def test_wilson_interval_matches_the_known_values():
    low, high = dr.wilson(5, 10)
    assert (low, high) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert dr.wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)


def test_prop1_passes_on_gd_that_cuts_the_smallest_weight():
    """Population GD: the cut layer is the smallest at init (App. K.2), uniform over layers."""
    runs = gd_runs(2, 30) + gd_runs(3, 30)
    claim, depths = dg.prop1_claim(runs, SUPPORTS, "identity")
    assert claim.passed is True, claim.why
    for stats in depths:
        assert stats["mechanism"] > 0.95
        assert stats["first_low"] <= 1 / stats["depth"] <= stats["first_high"]
        assert stats["joint_k"] == 0  # depth^-(d-r) = 2^-6 at most: none of 30 runs


def test_prop1_fails_when_every_coordinate_is_cut_in_layer_one():
    """Inits whose first-layer weights are the smallest: GD cuts every path there, which
    Prop. 1 says happens with probability depth^-(d-r) only."""
    runs = []
    for seed in range(20):
        start = np.abs(np.random.default_rng(seed).normal(size=(2, D))) + 1.0
        start[0] = 0.3
        runs.append(make_run(start, population_gd(start), init=seed))
    claim, _ = dg.prop1_claim(runs, SUPPORTS, "identity")
    assert claim.passed is False
    assert "lies above 1/depth = 0.50" in claim.why and "20 of 20 runs cut every" in claim.why
    assert "only" not in claim.why  # the support was learned: that part is not blamed


def test_prop1_fails_when_the_support_is_not_learned_and_says_so():
    runs = []
    for seed in range(20):
        start = np.random.default_rng(seed).normal(size=(2, D))
        end = start.copy()
        end[np.argmin(np.abs(start), axis=0), np.arange(D)] *= 0.5  # halved: not a tenfold cut
        runs.append(make_run(start, end, init=seed))
    claim, _ = dg.prop1_claim(runs, SUPPORTS, "identity")
    assert claim.passed is False and "only 0% of the live irrelevant paths were cut" in claim.why


def test_prop1_undecided_without_runs_and_relu_counts_dead_paths():
    claim, _ = dg.prop1_claim([], SUPPORTS, "relu")
    assert claim.passed is None and claim.why.startswith("the config lacks the runs")
    start = np.array([[1.0, -1.0, 2.0], [-0.5, 0.5, 0.0], [1.0, 1.0, 1.0]])
    assert dr.dead_paths(start).tolist() == [True, False, True]
    assert not dr.dead_paths(start[[0, 2]]).any()  # depth 2: no hidden layer after the first


def sgd_traj(start_w1: np.ndarray, rate: float, steps: int = 4000) -> pd.DataFrame:
    """|W1[j, j]| decaying as exp(-rate * step) for every j, on a log-spaced grid."""
    grid = np.unique(np.geomspace(1, steps, 200).astype(int))
    grid = np.concatenate([[0], grid])
    cols = {f"w0_{j}_{j}": start_w1[j] * np.exp(-rate * grid) for j in range(D)}
    return pd.DataFrame({"step": grid, "full_loss": 1.0, "irrelevant_norm": 1.0, **cols})


def sine_run(seed, batch, lr, rate, sampling=tg.WITHOUT, order=0):
    start = np.random.default_rng(seed).normal(size=(2, D))
    start[0] = np.maximum(np.abs(start[0]), np.abs(start[1]) + 0.1)  # W1 the larger: SGD must cut it
    traj = sgd_traj(start[0], rate)
    end = start.copy()
    end[0] = traj.iloc[-1][[f"w0_{j}_{j}" for j in range(D)]].to_numpy()
    return make_run(start, end, "sine", batch, seed, order, lr, traj, sampling=sampling)


def test_prop2_compares_sgd_with_gd_on_the_same_inits():
    sgd = [sine_run(s, 4, 0.05, 1e-2) for s in range(5)]
    gd = []
    for s in range(5):
        start = np.random.default_rng(s).normal(size=(2, D))
        end = start.copy()
        end[np.argmin(np.abs(start), axis=0), np.arange(D)] = 0.0  # GD cuts the smaller only
        gd.append(make_run(start, end, "sine", init=s))
    coef = np.linspace(0.001, 0.03, D - R)  # |p*_j| of the irrelevant coordinates
    misfit = {"sine": {"R2": 0.45, "Rj2_median": 0.45, "max_corr": 1e-3, "coef": coef}}
    claim, _ = dg.prop2_claim(sgd + gd, SUPPORTS, misfit)
    assert claim.passed is True and "R^2 = 0.450" in claim.measured
    slow = [sine_run(s, 4, 0.05, 1e-5) for s in range(5)]  # exp(-0.04): no tenfold drop
    claim, _ = dg.prop2_claim(slow + gd, SUPPORTS, misfit)
    assert claim.passed is False and "only 0% of the first-layer weights vanished" in claim.why
    floor = [sine_run(s, 4, 0.05, 1e-2) for s in range(5)]
    for run in floor:  # the coordinates with the 3 largest |p*_j| keep half their init
        run.end[0][np.arange(D - 3, D), np.arange(D - 3, D)] = 0.5 * np.diag(run.init[0])[D - 3 :]
    claim, _ = dg.prop2_claim(floor + gd, SUPPORTS, misfit)
    assert claim.passed is False and "only 50% of the first-layer weights vanished" in claim.why
    assert (
        "larger least-squares coefficients |p*_j| on this finite data set (median 0.024 vs 0.007" in claim.why
    )
    claim, _ = dg.prop2_claim(gd, SUPPORTS, misfit)
    assert claim.passed is None and "SGD on a diagonal linear network" in claim.why
    every = [make_run(dr.diagonals(r.init), np.zeros((2, D)), "sine", init=i) for i, r in enumerate(gd)]
    claim, _ = dg.prop2_claim(sgd + every, SUPPORTS, misfit)  # GD cutting every first-layer weight too
    assert claim.passed is False and "is not above GD's 100%" in claim.why and "only" not in claim.why


@pytest.mark.parametrize("b_power, passes", [(1.0, True), (0.0, False)])
def test_theorem2_time_fit_recovers_the_exponents(b_power, passes):
    """rate = lr^2 / b^b_power: the vanishing time is log(10) b^b_power / lr^2, so the
    fit's exponents are b_power and -2 up to the grid's 200 log-spaced steps (~3.5%)."""
    runs = [
        sine_run(seed, b, lr, 0.5 * lr**2 / b**b_power)
        for seed in range(3)
        for b in (1, 2, 4)
        for lr in (0.05, 0.1)
    ]
    claim, fit = t2.theorem2_time_claim(t2.time_table(runs, SUPPORTS))
    assert fit["beta"] == pytest.approx(b_power, abs=0.1) and fit["alpha"] == pytest.approx(2, abs=0.1)
    assert claim.passed is passes
    if not passes:
        assert "the exponent of b's interval" in claim.why and "lies below [0.50, 1.50]" in claim.why
        assert "1/eta" not in claim.why


@pytest.mark.parametrize("factor, passed, says", [(1.5, True, ""), (1.0, False, "contains 1")])
def test_replacement_ratio(factor, passed, says):
    """With replacement slower by ``factor`` (rate / factor), jittered per seed."""
    runs = []
    for s in range(6):
        jitter = 1 + 0.1 * (s - 2.5) / 2.5
        runs.append(sine_run(s, 4, 0.05, 1e-2, tg.WITHOUT, order=s))
        runs.append(sine_run(s, 4, 0.05, 1e-2 * jitter / factor, tg.WITH, order=s))
    claim, _ = t2.replacement_claim(t2.replacement_pairs(runs, SUPPORTS))
    assert claim.passed is passed and says in claim.why


def counterexample(loss_end: float, norm_end: float, batch="full"):
    traj = pd.DataFrame({"step": [0, 100], "full_loss": [0.2, loss_end], "irrelevant_norm": [1.0, norm_end]})
    start = np.ones((2, 3))
    return make_run(start, start, "cx", batch, traj=traj)


def test_prop6_passes_when_gd_fits_and_keeps_the_irrelevant_weights():
    claim, _ = dg.prop6_claim([counterexample(1e-4, 0.98), counterexample(1e-4, 0.1, batch=1)])
    assert claim.passed is True and "SGD-1: loss x0.0005, ||W1[:, 1:]|| x0.10" in claim.measured
    claim, _ = dg.prop6_claim([counterexample(1e-4, 0.2)])
    assert (
        claim.passed is False
        and "shrank ||W1[:, 1:]|| to 0.20" in claim.why
        and "did not fit" not in claim.why
    )
    claim, _ = dg.prop6_claim([counterexample(0.1, 1.0)])
    assert claim.passed is False and "did not fit" in claim.why
    claim, _ = dg.prop6_claim([counterexample(1e-4, 1.0, batch=1)])
    assert claim.passed is None and "the config lacks the runs" in claim.why


def test_misfit_of_a_linear_target_is_its_noise():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, D))
    y = x[:, :R].sum(axis=1) + 0.1 * rng.normal(size=4000)
    m = dr.misfit(x, y, SUPPORT)
    assert m["R2"] == pytest.approx(0.01, rel=0.1)  # the noise's variance; sampling s.e. ~2%
    sine = dr.misfit(x, np.sin(x[:, :R].sum(axis=1)), SUPPORT)
    # s ~ N(0, 2): var(sin s) = (1 - e^-4) / 2 = 0.491; E[sin(s) x_i] = E[cos s] = e^-1 per support
    # coordinate, so the linear fit explains 2 e^-2 = 0.271: R^2 = 0.220 (sampling s.e. ~0.005)
    assert sine["R2"] == pytest.approx(0.220, abs=0.02)


def test_roles_select_runs_by_their_properties():
    lin, sine = config("lin"), config("sine", batch=4)
    assert tg.diagonal_roles(**lin) == {tg.PROP1}
    assert tg.diagonal_roles(**sine) == {tg.PROP2, tg.REPLACEMENT, tg.THEOREM2_TIME}
    assert tg.diagonal_roles(**config("sine", batch=4, sampling=tg.WITH)) == {tg.PROP2, tg.REPLACEMENT}
    assert tg.diagonal_roles(**config("sine", depth=3, batch=4)) == {tg.PROP2}
    assert tg.diagonal_roles(**config("lin", batch=4)) == set()  # Prop. 1 is about GD
    assert tg.diagonal_roles(**config("lin", weight_decay=0.1)) == set()
    assert tg.diagonal_roles(**config("cx")) == {tg.PROP6}
    assert tg.diagonal_roles(**config("cx", label_noise=0.1, batch=1)) == {tg.PROP6}
    dense = {**lin, "model": {"structure": "dense", "activation": "identity"}}
    assert tg.diagonal_roles(**dense) == set()


def test_targets_name_only_the_figures_whose_runs_exist():
    entries = config("lin")
    cfg = {"datasets": {"lin": entries["dataset"]}, "models": {"m": entries["model"]}}
    cfg["optimizers"] = {"gd": entries["optimizer"]}
    run = {"dataset": "lin", "model": "m", "optimizer": "gd", "lr": "0.1", "batch": "full"}
    run.update(init="0", order="0")
    made = tg.targets(cfg, [run])
    assert made.claims == [tg.DIAGONAL_CLAIMS]
    assert made.report == [tg.DIAGONAL_TABLE, tg.DIAGONAL_FIGURE.format(figure=tg.LAYERS)]
    assert tg.targets(cfg, []).report == []


def test_every_figure_draws_from_its_runs(tmp_path):
    from sgd_support.experiments.theory import diagonal_figures as figs

    gd = gd_runs(2, 4) + gd_runs(3, 4)
    sgd = [sine_run(s, b, lr, 0.5 * lr**2 / b) for s in range(2) for b in (1, 4) for lr in (0.05, 0.1)]
    sgd += [sine_run(s, 4, 0.05, 5e-4, tg.WITH, order=0) for s in range(2)]
    figs.layers_figure(tmp_path / "layers.png", gd + sgd, SUPPORTS)
    figs.first_layer_figure(tmp_path / "first.png", sgd, SUPPORTS)
    times = t2.time_table(sgd, SUPPORTS)
    figs.time_figure(tmp_path / "time.png", times, t2.theorem2_time_claim(times)[1])
    figs.counterexample_figure(
        tmp_path / "cx.png", [counterexample(1e-4, 0.98), counterexample(1e-3, 0.5, 1)]
    )
    assert all(
        (tmp_path / f"{name}.png").stat().st_size > 10_000 for name in ("layers", "first", "time", "cx")
    )


def test_crossing_steps_interpolate_between_records():
    """|w| = exp(-step / 100) recorded at 0, 100, 200, 400: it reaches e^-2.5 at step 250,
    between two records; a column that never gets there is NaN; one below at once is 0."""
    steps = np.array([0.0, 100.0, 200.0, 400.0])
    w = np.exp(-steps / 100)[:, None] * np.ones((1, 3))
    bound = np.array([np.exp(-2.5), 1e-9, 2.0])
    out = dr.crossing_steps(steps, w, bound)
    assert out[0] == pytest.approx(250.0, rel=1e-12) and np.isnan(out[1]) and out[2] == 0.0


def test_a_config_with_prop1_and_app_j_only_leaves_the_sgd_rows_undecided():
    """The default config's E12 runs: GD on the linear target and App. J's network."""
    claims, table = dg.diagonal_claims(gd_runs(2, 6) + [counterexample(1e-4, 0.98)], SUPPORTS, {})
    assert [c.passed for c in claims] == [True, None, None, None, None, True]
    assert all(c.why.startswith("the config lacks the runs") for c in claims[1:5])
    assert set(table.row) == {"prop1", "prop6"}

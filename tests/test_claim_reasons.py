"""Every reason a FAIL or undecided row gives is true in the branch that writes it: one
test per branch of each reason generator (above / below a band, an interval below /
above / containing its value or missing, a range of one value, ...), and the numbers a
reason asserts are measured."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sgd_support.experiments.analyses import decay_rate as dr
from sgd_support.experiments.analyses import init_dependence as idep
from sgd_support.experiments.analyses import theorem1 as t1
from sgd_support.experiments.analyses.theorem1_first_layer import RATIO_BAND, first_layer_claim
from sgd_support.experiments.images import focus_order
from sgd_support.experiments.synthetic.claims import synthetic_claims
from sgd_support.experiments.toy.analysis import ToyRun, drift_claims, landscape_claims

# --- E10 per step (theorem1) -------------------------------------------------


@pytest.mark.parametrize(
    "growth, says, never",
    [
        (2.85, "faster than linearly", "offset"),  # above the band: accelerating, not an offset
        (1.2, "an offset", "faster"),
        (0.7, "falls over the second half", "offset"),
        (-0.4, "changes sign", "offset"),
        (float("nan"), "not finite", "offset"),
    ],
)
def test_growth_reason_matches_the_side_of_the_band(growth, says, never):
    text = t1.growth_reason(growth)
    assert says in text and never not in text


@pytest.mark.parametrize(
    "low, high, says",
    [
        (1.2, 1.5, "lies below [1.80, 2.20]"),
        (2.4, 2.9, "lies above [1.80, 2.20]"),
        (np.nan, np.nan, "no interval"),
    ],
)
def test_exponent_reason(low, high, says):
    assert says in t1.exponent_reason("alpha", low, high)


def test_value_range_of_one_value_is_one_number():
    assert t1.value_range([1.7e5, 1.7e5 + 1]) == "1.7e+05"
    assert t1.value_range([2.0, 3.5]) == "2-3.5"


@pytest.mark.parametrize(
    "ratios, says",
    [
        ([8.0, 8.0], "is 8x Theorem 1's W1-only prediction"),
        ([0.2, 0.3], "0.2-0.3 of Theorem 1's"),
        ([0.5, 2.0], "measured/predicted 0.5-2"),
        ([-3.0, -2.0], "negative"),
        ([np.nan], "no finite"),
    ],
)
def test_ratio_reason_says_larger_or_smaller_as_measured(ratios, says):
    assert says in t1.ratio_reason(ratios)


def test_kernel_share_is_measured_from_the_weights():
    """W~ = [1, 0] (scalar output): row 2 of W1 is in its kernel; W1[:, r:] = [[3], [4]]
    puts 16 of 25 of the irrelevant norm^2 there."""
    w1 = np.array([[1.0, 3.0], [1.0, 4.0]])  # columns: relevant, irrelevant
    share = t1.kernel_share([w1, np.array([[1.0, 0.0]])], np.array([True, False]))
    assert share == pytest.approx(16 / 25, rel=1e-12)


def _fit(snapshot, alpha=(1.9, 2.1), beta=(0.9, 1.1), ratio=1.7e5, kernel=0.99993):
    return {
        "dataset": "lin",
        "model": "m",
        "snapshot": snapshot,
        "alpha": sum(alpha) / 2,
        "alpha_low": alpha[0],
        "alpha_high": alpha[1],
        "beta": sum(beta) / 2,
        "beta_low": beta[0],
        "beta_high": beta[1],
        "n_cells": 12,
        "n_all": 12,
        "ratio": ratio,
        "kernel_share": kernel,
    }


def _cells(growth_by_snapshot):
    return pd.DataFrame(
        [{"dataset": "lin", "model": "m", "snapshot": s, "growth": g} for s, g in growth_by_snapshot.items()]
    )


def test_theorem1_reason_names_each_failing_snapshot_and_its_cause():
    fits = pd.DataFrame([_fit(1000), _fit(10000, beta=(0.2, 0.4))])
    claim = t1.theorem1_claim("lin", "m", fits, _cells({1000: 2.85, 10000: 2.0}))
    assert claim.passed is False
    assert "step-1000 weights: D(k)/D(k/2) is 2.85" in claim.why and "faster than linearly" in claim.why
    assert "offset" not in claim.why
    assert "step-10000 weights: beta's interval [0.20, 0.40] lies below [0.90, 1.10]" in claim.why
    assert "1.7e+05x Theorem 1's W1-only prediction" in claim.why and "1.7e+05-" not in claim.why
    assert "99.99% of ||W1[:, r:]||^2 lies in the kernel" in claim.why
    # a snapshot that passes is not blamed
    assert "step-10000 weights: D(k)" not in claim.why


def test_theorem1_reason_offset_branch():
    claim = t1.theorem1_claim("lin", "m", pd.DataFrame([_fit(1000)]), _cells({1000: 1.08}))
    assert claim.passed is False and "an offset" in claim.why and "exponent" not in claim.why


# --- E10 with W~ frozen ------------------------------------------------------


def _first(ratio, alpha=(1.9, 2.1)):
    row = _fit(1000, alpha=alpha, ratio=ratio)
    row.update(ratio_low=ratio * 0.8, ratio_high=ratio * 1.1, share=-0.2, share_low=-0.5, share_high=0.1)
    return pd.DataFrame([row])


def test_first_layer_claim_passes_near_the_prediction_and_says_where_it_misses():
    assert first_layer_claim("lin", "m", _first(0.95)).passed is True
    low = first_layer_claim("lin", "m", _first(0.5))
    assert low.passed is False and f"lies below [{RATIO_BAND[0]}, {RATIO_BAND[1]}]" in low.why
    high = first_layer_claim("lin", "m", _first(2.0, alpha=(2.5, 2.7)))
    assert "lies above" in high.why and "alpha's interval [2.50, 2.70] lies above" in high.why
    assert "W1-only excess is -0.2 of the whole network's" in high.measured
    assert first_layer_claim("lin", "m", pd.DataFrame()).passed is None


# --- E10 decay rate ----------------------------------------------------------


@pytest.mark.parametrize(
    "low, high, value, side, says",
    [
        (-0.07, -0.06, 0.0, False, "lies below 0"),
        (0.2, 0.6, 0.0, True, "lies above 0"),
        (-0.1, 0.3, 0.0, False, "contains 0"),
        (np.nan, np.nan, 0.0, None, "no interval: 1 seed pair(s)"),
    ],
)
def test_interval_reason_and_side(low, high, value, side, says):
    assert dr.interval_side(low, high, value) is side
    assert says in dr.interval_reason(low, high, value, 1)


def _slopes(ci, excess_ci=(0.3, 0.6)):
    return pd.DataFrame(
        [
            {
                "dataset": "lin",
                "model": "m",
                "optimizer": "sgd",
                "activation": "identity",
                "slope": (ci[0] + ci[1]) / 2,
                "ci_low": ci[0],
                "ci_high": ci[1],
                "n_fitted": 12,
                "n_lr_over_b": 4,
                "n_seeds": 3,
                "median_r2": 0.99,
                "n_diverged": 0,
                "n_no_rate": 0,
                "alpha": 1.5,
                "alpha_low": 1.2,
                "alpha_high": 1.8,
                "beta": 0.6,
                "beta_low": 0.5,
                "beta_high": 0.7,
                "excess_slope": (excess_ci[0] + excess_ci[1]) / 2,
                "excess_ci_low": excess_ci[0],
                "excess_ci_high": excess_ci[1],
                "excess_n": 12,
                "excess_n_lr_over_b": 4,
            }
        ]
    )


def test_decay_rate_rows_state_where_the_interval_lies_and_do_not_repeat_numbers():
    rates = pd.DataFrame({"lr_over_b": [0.1], "weight_decay": [0.0], "status": ["completed"], "rate": [1e-4]})
    rates["rate_per_lr"] = 1e-3
    grows, linear = dr.decay_rate_claims(_slopes((-0.07, -0.06)), rates)
    assert grows.passed is False and "interval [-0.07, -0.06] lies below 0" in grows.why
    assert "reaches" not in grows.why
    assert linear.passed is False and "lies below 1" in linear.why
    assert grows.measured != linear.measured and "excess over GD" in linear.measured
    assert "per-step rate" not in linear.measured  # the raw fit is the first row's
    undecided, _ = dr.decay_rate_claims(_slopes((np.nan, np.nan)), rates)
    assert undecided.passed is None and "no interval" in undecided.why


# --- E1-E5 synthetic ---------------------------------------------------------


def _synthetic(wd_half, wd_final, loss_q=(0.99, 1.01), sgd1_loss=0.03, gd_loss=0.03):
    from test_synthetic_claims import paper_like

    frame = paper_like(
        {
            ("GD", "late_loss_q50"): gd_loss,
            ("GD+wd", "half_irrelevant_norm"): wd_half,
            ("GD+wd", "final_irrelevant_norm"): wd_final,
            ("SGD-1", "late_loss_q50"): sgd1_loss,
            ("SGD-1", "late_loss_q10"): sgd1_loss * loss_q[0],
            ("SGD-1", "late_loss_q90"): sgd1_loss * loss_q[1],
        }
    )
    claims = synthetic_claims(frame, {"lin": 5.0})
    return claims[2], claims[3]


@pytest.mark.parametrize(
    "half, final, says",
    [
        (1.0, 0.5, "still falling over the last half"),
        (0.5, 0.501, "stationary"),
        (0.3, 0.5, "rising"),
    ],
)
def test_weight_decay_reason_follows_the_trend(half, final, says):
    wd, _ = _synthetic(half, final)
    assert wd.passed is False and says in wd.why
    assert "residual that stays large" not in wd.why
    if "still falling" in says:
        assert "it has not converged in this many steps" in wd.why
    else:
        assert "data gradient on W1[:, r:]" in wd.why


@pytest.mark.parametrize(
    "loss, band, gd_loss, says",
    [
        (0.5, (0.9, 1.1), 0.03, "SGD-1's full-data loss stays above GD's"),
        (0.001, (0.5, 1.5), 0.5, "SGD-1 fits better than GD"),
        (0.2, (0.1, 1.2), 0.03, "SGD-1's late loss ranges around GD's"),  # 0.02-0.24 holds 0.03
    ],
)
def test_loss_gap_reason(loss, band, gd_loss, says):
    _, comparable = _synthetic(0.0003, 0.0003, band, loss, gd_loss)
    assert comparable.passed is False and says in comparable.why


# --- E7 focus ------------------------------------------------------------------


def test_focus_reasons_in_every_branch():
    one = focus_order.share_bands(np.array([32, 32]), np.array([0.5, 0.6]))
    assert "fewer than two batch sizes" in focus_order.explain(one, np.nan, np.nan, 4000)
    two = focus_order.share_bands(np.array([32, 512]), np.array([0.5, 0.6]))
    assert "2 completed runs: the rank test needs at least 3" in focus_order.explain(
        two, np.nan, np.nan, 4000
    )
    broken = focus_order.share_bands(np.array([32, 32, 512, 512]), np.array([0.6, 0.6, 0.5, 0.5]))
    assert "not above b=32's" in focus_order.explain(broken, -0.9, 0.9, 4000)
    batches = np.array([32, 32, 512, 512])
    overlap = focus_order.share_bands(batches, np.array([0.4, 0.7, 0.5, 0.8]))
    assert "bands of b=32 and b=512 overlap" in focus_order.explain(overlap, 0.4, 0.3, 4000)
    apart = focus_order.share_bands(np.array([32, 128, 512]), np.array([0.4, 0.5, 0.6]))
    text = focus_order.explain(apart, 1.0, 0.17, 4000)  # perfectly ordered, 3 runs: p = 1/6
    assert "no two neighbouring bands overlap" in text and "3 runs are too few" in text
    assert "seeds overlap" not in text


# --- E11 ---------------------------------------------------------------------


def test_gd_keeps_init_reason_names_the_part_that_fails():
    from test_analyses import _table

    low = idep.init_dependence_claims(_table({1: 0.1, 32: 0.2, 128: 0.3, 512: 0.35}, gd_cos=0.4))[3]
    assert "GD's cosine 0.400 is not above 0.5" in low.why and "highest SGD" not in low.why
    below = idep.init_dependence_claims(_table({1: 0.3, 32: 0.5, 128: 0.7, 512: 0.9}, gd_cos=0.8))[3]
    assert below.why.endswith("below the highest SGD's 0.900") and "not above 0.5" not in below.why


# --- E6 toy ------------------------------------------------------------------


def _toy(optimizer, batch, path, dataset="d1"):
    traj = pd.DataFrame([{"step": i, "a": a, "b": b, "loss": 0.0} for i, (a, b) in enumerate(path)])
    return ToyRun({"dataset": dataset, "optimizer": optimizer}, {"batch": batch, "shuffle": False}, traj)


def test_toy_gd_reasons_name_what_misses():
    # start (1, 0.5): the gradient-flow end point is sqrt(1 - 0.25) = 0.866
    off = drift_claims([_toy("gd", None, [(1.0, 0.5), (0.9, 0.1)])])[1]
    assert "ends off a*b = 0 (a*b = 9.00e-02)" in off.why and "gradient-flow" not in off.why
    far = drift_claims([_toy("gd", None, [(1.0, 0.5), (0.5, 0.0)])])[1]
    assert "more than 5% from the gradient-flow point's 0.8660" in far.why and "off a*b" not in far.why
    runs = [_toy("gd", None, [(4, 2), (4, 0.25)], "land"), _toy("sgd", 1, [(4, 2), (4.2, 0.3)], "land")]
    claim = landscape_claims(runs)[0]
    assert claim.passed is False and "SGD b=1 in order" in claim.why and "no nearer (1, 1)" in claim.why
    assert "off a*b = 1" not in claim.why


# --- E5 ReLU rows --------------------------------------------------------------


def test_relu_row_reasons_in_the_undecided_and_flat_branches():
    from test_synthetic_claims import ZERO, relu_like

    flat = synthetic_claims(relu_like({"GD": 3, "SGD-512": 3, "SGD-32": 3, "SGD-1": 3}), ZERO)[5]
    assert (
        flat.passed is False
        and "do not rise" in flat.why
        and "GD 3 -> SGD-512 3 -> SGD-32 3 -> SGD-1 3" in flat.why
    )
    no_gd = relu_like({"SGD-512": 2, "SGD-32": 5, "SGD-1": 9})
    some, more = synthetic_claims(no_gd[no_gd["kind"] != "gd"], ZERO)[4:6]
    assert some.passed is True and more.passed is None and "GD for the second row" in more.why
    uncounted = relu_like({"GD": 0}).drop(columns=["n_rows", "rows_halved", "rows_grown"])
    some, more = synthetic_claims(uncounted, ZERO)[4:6]
    assert some.passed is None and more.passed is None and "no W1 row counts" in some.why


# --- E12 theory on diagonal networks -------------------------------------------


def _prop1_stats(**changes):
    stats = {"depth": 3, "coordinates": 300, "dead": 0, "learned_share": 0.97, "first_k": 95, "first_n": 291}
    stats.update(first_low=0.27, first_high=0.38, uniform=1 / 3, joint_k=0, joint_n=30, joint_low=0.0)
    stats.update(joint_bound=3.0**-10)
    return {**stats, **changes}


@pytest.mark.parametrize(
    "changes, says, never",
    [
        ({}, "", "lies"),
        ({"first_low": 0.05, "first_high": 0.12}, "[0.05, 0.12] lies below 1/depth = 0.33", "only"),
        ({"first_low": 0.6, "first_high": 0.7}, "[0.60, 0.70] lies above 1/depth = 0.33", "only"),
        ({"learned_share": 0.5}, "only 50% of the live irrelevant paths were cut", "lies"),
        ({"joint_k": 3, "joint_low": 0.03}, "3 of 30 runs cut every irrelevant path", "only"),
    ],
)
def test_prop1_reason_names_the_part_that_fails(changes, says, never):
    from sgd_support.experiments.theory.diagonal import prop1_verdict

    passed, why = prop1_verdict(_prop1_stats(**changes))
    assert passed is (not changes) and says in why and never not in why
    assert prop1_verdict(_prop1_stats(dead=300))[0] is None  # every path dead: nothing to decide


@pytest.mark.parametrize(
    "low, high, says",
    [
        (1.6, 1.9, "lies above [0.50, 1.50]"),
        (0.1, 0.3, "lies below [0.50, 1.50]"),
        (np.nan, np.nan, "no interval"),
    ],
)
def test_theorem2_exponent_reason(low, high, says):
    from sgd_support.experiments.theory.theorem2 import _exponent_reason

    assert says in _exponent_reason("b", low, high, 1.0)
    assert _exponent_reason("b", 0.8, 1.2, 1.0) == ""


def test_replacement_reason_says_where_the_interval_lies():
    from sgd_support.experiments.theory.theorem2 import replacement_claim

    def pairs(ratios):
        seeds = [f"{i}/0" for i in range(len(ratios))]
        return pd.DataFrame({"key": seeds, "seeds": seeds, "without": ratios, "with": 1.0, "ratio": ratios})

    above = replacement_claim(pairs([1.2, 1.3, 1.25, 1.4]))[0]
    assert above.passed is False and "lies above 1" in above.why
    across = replacement_claim(pairs([0.8, 1.2, 0.9, 1.1]))[0]
    assert across.passed is False and "contains 1" in across.why
    below = replacement_claim(pairs([0.8, 0.85, 0.9, 0.7]))[0]
    assert below.passed is True and below.why == ""
    assert replacement_claim(pairs([0.8]))[0].passed is None

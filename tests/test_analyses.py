"""The analyses' math: init-dependence statistics (E11) and the decay-rate fit (E10)."""

import numpy as np
import pandas as pd
import pytest

from sgd_support.core.recording import record_steps
from sgd_support.experiments.analyses import decay_rate as dr
from sgd_support.experiments.analyses import init_dependence as idep
from sgd_support.reporting.run_paths import coordinates, format_lr

D, R = 6, 2
SUPPORT = np.arange(D) < R


def _orthogonal(rng, n):
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return q


# --- E11 statistics -------------------------------------------------------------------------------


def test_cosine_and_block_share_on_known_matrices():
    w = np.arange(12, dtype=float).reshape(3, 4) + 1
    # float64 closed forms in this file: measured deviation <= 3.7e-16 relative (AMD EPYC);
    # approx's default 1e-6 is far above that and far below what a wrong formula moves
    assert idep.cosine(w, 2 * w) == pytest.approx(1.0)
    assert idep.cosine(np.eye(2), np.array([[0, 1], [1, 0]])) == pytest.approx(0.0)
    assert idep.block_share(np.eye(D), SUPPORT) == pytest.approx(R / D)  # |Gram| = I
    only_support = np.zeros((4, D))
    only_support[:, :R] = np.random.default_rng(0).standard_normal((4, R))
    assert idep.block_share(only_support, SUPPORT) == pytest.approx(1.0)


def test_gram_agreement_ignores_rotations_and_pairs_of_the_same_init():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((5, D))
    # |W^T W| is invariant under W -> Q W: layers that differ by a rotation of the
    # hidden units agree perfectly
    layers = [("0", w), ("1", _orthogonal(rng, 5) @ w), ("2", _orthogonal(rng, 5) @ w)]
    assert idep.gram_agreement(layers) == pytest.approx(1.0)
    unrelated = [("0", w), ("1", rng.standard_normal((5, D)))]
    assert idep.gram_agreement(unrelated) < 0.99
    assert np.isnan(idep.gram_agreement([("0", w), ("0", 2 * w)]))


def _records(batch, ends, inits, diverged=()):
    return [
        {
            "dataset": "lin",
            "model": "m",
            "optimizer": "gd" if batch == "full" else "sgd",
            "lr": 0.1,
            "batch": batch,
            "init": str(i),
            "order": "0",
            "w1_init": w0,
            "w1_end": w1,
            "diverged": i in diverged,
            "weight_decay": 0.0,
        }
        for i, (w0, w1) in enumerate(zip(inits, ends))
    ]


def test_table_statistics_per_group():
    rng = np.random.default_rng(2)
    inits = [rng.standard_normal((4, D)) for _ in range(3)]
    support_layer = np.zeros((4, D))
    support_layer[:, :R] = rng.standard_normal((4, R))
    # GD keeps its init exactly; SGD-1 ends on rotations of one support-only layer;
    # the third SGD-1 run diverged and must not count
    ends = [_orthogonal(rng, 4) @ support_layer for _ in range(3)]
    ends[2] = np.full((4, D), 1e9)
    records = _records("full", inits, inits) + _records("1", ends, inits, diverged={2})
    table = idep.init_dependence_table(records, {"lin": SUPPORT}).set_index("batch")
    gd, sgd = table.loc["full"], table.loc["1"]
    assert gd.cos_init == pytest.approx(1.0) and gd.rel_dist == pytest.approx(0.0)
    assert gd.n_inits == 3 and gd.n_diverged == 0
    assert gd.gram_agreement == pytest.approx(gd.gram_agreement_init)
    assert sgd.n_inits == 2 and sgd.n_runs == 2 and sgd.n_diverged == 1
    assert sgd.gram_agreement == pytest.approx(1.0)
    assert sgd.block_share == pytest.approx(1.0)
    expected = np.mean([idep.cosine(ends[i], inits[i]) for i in range(2)])
    assert sgd.cos_init == pytest.approx(expected)


def _table(cos_by_batch, n_inits=4, gd_cos=0.95):
    rows = [
        {
            "dataset": "lin",
            "model": "m",
            "optimizer": "sgd",
            "lr": 0.1,
            "batch": str(b),
            "batch_size": b,
            "weight_decay": 0.0,
            "n_inits": n_inits,
            "cos_init": c,
            "gram_agreement": 1 - c,
            "block_share": 1 - c,
        }
        for b, c in cos_by_batch.items()
    ]
    rows.append(
        {
            "dataset": "lin",
            "model": "m",
            "optimizer": "gd",
            "lr": 0.1,
            "batch": "full",
            "batch_size": np.inf,
            "weight_decay": 0.0,
            "n_inits": n_inits,
            "cos_init": gd_cos,
            "gram_agreement": 0.1,
            "block_share": 0.1,
        }
    )
    return pd.DataFrame(rows)


def test_claims_pass_fail_and_undecidable():
    good = idep.init_dependence_claims(_table({1: 0.3, 32: 0.5, 128: 0.7, 512: 0.9}))
    assert [c.passed for c in good] == [True, True, True, True]
    bad = idep.init_dependence_claims(_table({1: 0.9, 32: 0.7, 128: 0.5, 512: 0.3}, gd_cos=0.4))
    assert [c.passed for c in bad] == [False, False, False, False]
    assert "b1: 0.900" in bad[0].measured
    assert all(c.location.startswith("Sec. 5.1") and c.scope == "linear networks" for c in good + bad)
    assert all(c.why == "" for c in good)
    assert "against the trend at b1 -> b32: 0.900 -> 0.700" in bad[0].why
    assert "GD's cosine 0.400 is not above 0.5" in bad[3].why
    missing = idep.init_dependence_claims(_table({1: 0.3, 32: 0.5}, n_inits=1))
    assert [c.passed for c in missing] == [None, None, None, None]
    assert "init seed" in missing[0].measured and "init seed" in missing[0].why


def test_relu_groups_are_decided_apart_as_not_claimed():
    table = pd.concat(
        [_table({1: 0.3, 32: 0.5}), _table({1: 0.9, 32: 0.1}).assign(model="r", activation="relu")]
    )
    claims = idep.init_dependence_claims(table)
    assert [c.passed for c in claims] == [True] * 4 + [False] * 3 + [True]  # GD 0.95 keeps its init
    assert all("not claimed by the paper for ReLU" in c.scope for c in claims[4:])
    assert claims[4].claim.startswith("ReLU networks: ")


def test_coordinates_from_a_run_path():
    """lr comes back as a number whose text is the path's (format_lr)."""
    path = "results/runs/dataset=a/model=b/optimizer=sgd/lr=1e-05/batch=32/init=3/order=0/weights.parquet"
    assert coordinates(path) == {
        "dataset": "a",
        "model": "b",
        "optimizer": "sgd",
        "lr": 1e-05,
        "batch": "32",
        "init": "3",
        "order": "0",
    }
    assert format_lr(coordinates(path)["lr"]) == "1e-05"
    with pytest.raises(ValueError):
        coordinates("results/other/weights.parquet")


# --- E10 decay-rate fit -----------------------------------------------------------------------------

STEPS = record_steps(20000, dense_until=100, per_decade=40).astype(float)


def _trajectory(rate, floor=0.0, noise=0.0, seed=0, fitted_at=300.0):
    """A loss that is fitted by ~``fitted_at`` steps (then flat and noisy), and an
    irrelevant norm decaying as exp(-rate * step) towards ``floor``."""
    rng = np.random.default_rng(seed)
    loss = 0.04 + 5.0 * np.exp(-STEPS / fitted_at * 3) + 0.002 * rng.standard_normal(len(STEPS))
    norm = np.sqrt((4.5 * np.exp(-rate * STEPS)) ** 2 + floor**2) * np.exp(
        noise * rng.standard_normal(len(STEPS))
    )
    return loss, norm


def test_phase2_starts_when_the_loss_stops_improving():
    loss, _ = _trajectory(1e-4, fitted_at=1000)
    start = dr.phase2_start(STEPS, loss)
    assert 300 <= start <= 3000
    # a loss that keeps improving by 90% per decade never reaches phase 2
    assert dr.phase2_start(STEPS[1:], 1.0 / STEPS[1:]) is None


@pytest.mark.parametrize("rate", [2e-5, 1e-4, 4e-4])
def test_fit_recovers_a_known_rate(rate):
    loss, norm = _trajectory(rate, noise=0.01)
    fit = dr.fit_decay(STEPS, loss, norm)
    # not rounding: the fit's error on seeded 1% noise, measured <= 1.4e-2 relative (AMD EPYC)
    assert fit.rate == pytest.approx(rate, rel=0.05)
    assert fit.r2 > 0.95 and fit.floor is None and fit.end == STEPS[-1]


def test_fit_stops_at_the_noise_floor():
    rate = 8e-4  # reaches the floor (0.05) after ~5.6k steps of the 20k
    loss, norm = _trajectory(rate, floor=0.05, noise=0.01)
    fit = dr.fit_decay(STEPS, loss, norm)
    # not rounding: estimates from seeded noise, measured 5.8e-3 (floor) and 1.6e-2 (rate)
    assert fit.floor == pytest.approx(0.05, rel=0.2)
    assert fit.end < 8000
    assert fit.rate == pytest.approx(rate, rel=0.1)
    # without the floor rule the same data would give a much lower rate
    whole, _ = dr._log_fit(STEPS[fit.start <= STEPS], norm[fit.start <= STEPS])
    assert whole < 0.6 * rate


def test_loglog_slope_and_interval():
    rng = np.random.default_rng(3)
    x = np.repeat(np.logspace(-4, -0.5, 8), 4)
    y = 3.0 * x**0.7 * np.exp(0.05 * rng.standard_normal(len(x)))
    fit = dr.loglog_slope(x, y)
    assert fit["ci_low"] < 0.7 < fit["ci_high"]
    assert fit["ci_high"] - fit["ci_low"] < 0.1
    assert np.isnan(dr.loglog_slope([1e-3, 1e-3, 1e-3], [1, 2, 3])["slope"])


def _rate_records(rate_of, lrs=(0.1, 0.2, 0.5), batches=(1, 32, 128, 512), inits=(0, 1)):
    records = []
    for lr in lrs:
        for b in batches:
            for i in inits:
                loss, norm = _trajectory(rate_of(lr, b), noise=0.01, seed=i)
                traj = pd.DataFrame({"step": STEPS.astype(int), "full_loss": loss, "irrelevant_norm": norm})
                records.append(
                    {
                        "dataset": "lin",
                        "model": "m",
                        "optimizer": "sgd",
                        "lr": lr,
                        "batch": str(b),
                        "init": str(i),
                        "order": "0",
                        "trajectory": traj,
                        "status": "completed",
                        "weight_decay": 0.0,
                    }
                )
    return records


def test_slope_of_a_second_order_rate_is_one():
    # Theorem 1's second-order term alone: per-step rate = C lr^2 / b
    rates = dr.rate_table(_rate_records(lambda lr, b: 0.01 * lr**2 / b))
    rates = rates[rates["rate"] > 2e-5]  # slower ones barely move in 20k steps
    slopes = dr.slope_table(rates)
    row = slopes.iloc[0]
    # not rounding: log-log fits over the grid's discretised rates, measured off by <= 3e-4
    assert row.ci_low <= 1.0 <= row.ci_high and row.slope == pytest.approx(1.0, abs=0.05)
    assert row.alpha == pytest.approx(2.0, abs=0.1) and row.beta == pytest.approx(1.0, abs=0.05)
    claims = dr.decay_rate_claims(slopes, rates)
    assert [c.passed for c in claims] == [True, True]


def test_rate_claims_fail_or_are_undecidable():
    # a rate that does not depend on b or lr: rate/lr falls with lr/b
    flat = dr.rate_table(_rate_records(lambda lr, b: 1e-4))
    assert [c.passed for c in dr.decay_rate_claims(dr.slope_table(flat), flat)] == [False, False]
    one = dr.rate_table(_rate_records(lambda lr, b: 1e-4, lrs=(0.1,), batches=(32,)))
    claims = dr.decay_rate_claims(dr.slope_table(one), one)
    assert [c.passed for c in claims] == [None, None]
    assert "lr/b" in claims[0].measured


def test_diverged_runs_are_skipped_and_counted():
    records = _rate_records(lambda lr, b: 0.01 * lr**2 / b, lrs=(0.5,), batches=(1, 32))
    records[0]["status"] = "diverged"
    rates = dr.rate_table(records)
    assert np.isnan(rates.loc[0, "rate"]) and "diverged" in rates.loc[0, "note"]
    assert dr.slope_table(rates).iloc[0].n_diverged == 1


def test_excess_over_gd_isolates_the_second_order_term():
    # every run also shrinks by GD's first-order rate 2e-4 (whatever b), so the raw
    # slope is flattened; the excess over GD is the second-order term lr^2 / b alone
    records = _rate_records(lambda lr, b: 2e-4 + 0.01 * lr**2 / b)
    for lr in (0.1, 0.2, 0.5):
        for i in (0, 1):
            loss, norm = _trajectory(2e-4, noise=0.0, seed=i)
            traj = pd.DataFrame({"step": STEPS.astype(int), "full_loss": loss, "irrelevant_norm": norm})
            records.append(
                {
                    "dataset": "lin",
                    "model": "m",
                    "optimizer": "gd",
                    "lr": lr,
                    "batch": "full",
                    "init": str(i),
                    "order": "0",
                    "trajectory": traj,
                    "status": "completed",
                    "weight_decay": 0.0,
                }
            )
    rates = dr.rate_table(records)
    sgd = rates[rates["batch"] != "full"]
    # a fit to a noiseless exponential in float64: measured 1.4e-16 relative (AMD EPYC)
    assert sgd["gd_rate"].to_numpy() == pytest.approx(2e-4, rel=1e-9)
    rates = rates[(rates["batch"] == "full") | (rates["excess_rate"] > 2e-5)]
    row = dr.slope_table(rates).iloc[0]
    assert row.slope < 0.8  # flattened by the first-order term
    assert row.excess_ci_low <= 1.0 <= row.excess_ci_high
    assert [c.passed for c in dr.decay_rate_claims(dr.slope_table(rates), rates)] == [True, True]


def test_seed_bootstrap_does_not_count_runs_of_one_seed_as_independent():
    x = np.tile(np.logspace(-4, -1, 4), 3)  # 4 lr/b values x 3 seed pairs
    seeds = np.repeat([0, 1, 2], 4)
    y = x ** np.array([0.6, 1.0, 1.4])[seeds]  # each seed pair has its own slope
    seed_fit = dr.loglog_slope(x, y, seeds)
    assert seed_fit["ci_low"] == pytest.approx(0.6) and seed_fit["ci_high"] == pytest.approx(1.4)
    # ten runs per seed pair and lr/b repeating the seed's curve: more points, no more information
    many = [np.repeat(a, 10) for a in (x, y, seeds)]
    seed_many = dr.loglog_slope(*many)
    point_many = dr.loglog_slope(*many[:2])  # every run its own unit: the old, too narrow interval
    assert (seed_many["ci_low"], seed_many["ci_high"]) == pytest.approx((0.6, 1.4))
    assert point_many["ci_high"] - point_many["ci_low"] < 0.4
    assert np.isnan(dr.loglog_slope(x, y, np.zeros(len(x)))["ci_low"])  # one seed pair: no interval


def test_rate_claims_with_one_lr_print_no_nan_and_fail_with_the_reason():
    rates = dr.rate_table(_rate_records(lambda lr, b: 1e-4, lrs=(0.1,), inits=(0, 1, 2)))
    claims = dr.decay_rate_claims(dr.slope_table(rates), rates)
    assert [c.passed for c in claims] == [False, False]
    assert all("nan" not in c.measured and "Theorem 1" in c.location for c in claims)
    assert "not fitted (needs >= 2 lrs" in claims[0].measured and "from 3 seed pairs" in claims[0].measured
    assert "per-step statement in expectation at fixed weights" in claims[1].why


def test_relu_groups_get_their_own_rows_scoped_not_claimed():
    records = _rate_records(lambda lr, b: 0.01 * lr**2 / b)
    records += [{**r, "model": "relu", "activation": "relu"} for r in records]
    rates = dr.rate_table(records)
    rates = rates[rates["rate"] > 2e-5]
    claims = dr.decay_rate_claims(dr.slope_table(rates), rates)
    assert [c.scope for c in claims] == ["linear networks"] * 2 + [
        "linear networks (not claimed by the paper for ReLU networks)"
    ] * 2
    assert "lin/m/" in claims[0].measured and "lin/relu/" not in claims[0].measured


def test_one_swap_of_neighbours_passes_a_trend_despite_rounding():
    # rho of one swap among 4 sizes is 0.8 only up to rounding (0.7999999999999999)
    claims = idep.init_dependence_claims(_table({1: 0.3, 32: 0.5, 128: 0.7, 512: 0.65}))
    assert [c.passed for c in claims[:3]] == [True, True, True]
    assert "(rho +0.80)" in claims[0].measured


def test_undecidable_relu_rows_are_left_out():
    table = pd.concat(
        [_table({1: 0.3, 32: 0.5}), _table({1: 0.9}, n_inits=1).assign(model="r", activation="relu")]
    )
    assert len(idep.init_dependence_claims(table)) == 4

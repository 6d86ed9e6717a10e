"""E12's rows on Theorem 2's time: the time for SGD to cut the irrelevant first-layer
weights of a 2-layer diagonal linear network against b and lr (t = O~(b / (eta^2 R_j^2))),
and its last line, "strictly faster for SGD without replacement", on paired runs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sgd_support.experiments.analyses.slope_fits import exponent_fit, points_of, seed_interval, seed_units
from sgd_support.experiments.theory import targets as rows
from sgd_support.experiments.theory.diagonal_runs import EXPERIMENT, VANISH, DiagonalRun, vanish_steps
from sgd_support.reporting.claims import Claim

# Theorem 2's time t = O~(b / (eta^2 R_j^2)) (2 layers): exponents 1 on b, -2 on eta, up
# to the logarithms the O~ hides: log(alpha / delta) with alpha the init's |W1[j, j]|
# (0.05-2.5 for N(0, 1) inits) moves log t by at most log(50) ~ 3.9 across coordinates
# but by the same factor for every (b, eta) cell; within the fit, the GD phase (the
# relevant weights converge in ~1/eta steps) adds a term that falls with eta, not with b.
# So the exponents are compared with a band of 0.5 around 1 and -2: a log factor that
# varies as (b / eta^2)^0.1 over our 8x range of b / eta^2 shifts them by ~0.1-0.2.
EXPONENT_BAND = 0.5


def run_time(run: DiagonalRun, support: np.ndarray) -> float:
    """A run's time to cut the first layer where SGD must do it: the median step to vanish
    over the irrelevant coordinates whose W1[j, j] was not the smallest at init (NaN
    when more than half of them never vanish: the median is then not measured)."""
    steps = vanish_steps(run, support)
    steps = steps[steps["not_smallest"]]["step"].to_numpy()
    if len(steps) == 0 or np.isnan(steps).sum() * 2 > len(steps):
        return math.nan
    return float(np.median(np.where(np.isnan(steps), np.inf, steps)))


def time_table(runs: list[DiagonalRun], supports: dict) -> pd.DataFrame:
    """Theorem 2's time per run: data set, lr, b, init and order seeds, the time (NaN: not
    measured)."""
    chosen = [r for r in runs if rows.THEOREM2_TIME in r.roles]
    return pd.DataFrame(
        [
            {
                "dataset": r.coords["dataset"],
                "lr": float(r.coords["lr"]),
                "batch": int(r.coords["batch"]),
                "seeds": f"{r.coords['init']}/{r.coords['order']}",
                "time": run_time(r, supports[r.coords["dataset"]]) if r.status == "completed" else math.nan,
            }
            for r in chosen
        ],
        columns=["dataset", "lr", "batch", "seeds", "time"],
    ).astype({"lr": float, "batch": int, "time": float})  # typed also when there are no runs


def theorem2_time_claim(times: pd.DataFrame) -> tuple[Claim, dict]:
    """Theorem 2's time: log t against log b and log lr, exponents near 1 and -2."""
    claim = Claim(
        EXPERIMENT,
        "2-layer diagonal linear network, SGD on misspecified data: the irrelevant first-layer weights "
        "vanish in t = O~(b / (eta^2 R_j^2)) steps",
        f"t = median step at which |W1[j,j]| falls below {VANISH:g} of its init, over the j where W1 "
        "was not the "
        "smaller weight at init; least squares log t = c + beta log b - alpha log eta over runs, "
        "seed-bootstrap "
        f"95% intervals; pass when they meet [1 - {EXPONENT_BAND}, 1 + {EXPONENT_BAND}] for b and "
        f"[2 - {EXPONENT_BAND}, 2 + {EXPONENT_BAND}] for eta (the O~'s logarithms: see the "
        "criterion's notes)",
        "",
        None,
        location="Theorem 2 and the 2-layer remark after Prop. 2 (Sec. 3.2, 4; App. K.4)",
        scope="linear networks, diagonal depth 2, misspecified data",
    )
    # the fit reads the data sets with a grid: >= 2 lrs and >= 2 batch sizes (others, e.g.
    # the with/without replacement pairs at one lr, only add points of one lr)
    grid = times.groupby("dataset").filter(lambda g: g["lr"].nunique() >= 2 and g["batch"].nunique() >= 2)
    times, done = grid, grid[np.isfinite(grid["time"])]
    if len(times) == 0:
        claim.measured = "no data set with SGD runs over >= 2 lrs and >= 2 batch sizes"
        claim.why = (
            "the config lacks the runs: SGD on a 2-layer diagonal linear network over >= 2 "
            "lrs and 2 batch sizes"
        )
        return claim, {}
    # the fit is on the rate 1/t: exponent_fit's alpha (on lr) and beta (on 1/b)
    fit = exponent_fit(
        points_of(done["lr"], done["batch"], 1.0 / done["time"]), seed_units(done["seeds"]), min_points=4
    )
    fit.update(n=len(done), censored=len(times) - len(done))
    claim.measured = (
        f"{len(done)} runs timed ({fit['censored']} not: more than half their weights never vanished); "
        f"exponent of b {fit['beta']:.2f} [{fit['beta_low']:.2f}, {fit['beta_high']:.2f}], of eta "
        f"-{fit['alpha']:.2f} [-{fit['alpha_high']:.2f}, -{fit['alpha_low']:.2f}]"
    )
    if not np.isfinite(fit["alpha"]):
        claim.why = f"the fit needs 4 timed runs over 2 lrs and 2 batch sizes; {len(done)} were timed"
        return claim, fit
    reasons = [
        _exponent_reason(name, fit[f"{key}_low"], fit[f"{key}_high"], target)
        for name, key, target in (("b", "beta", 1.0), ("1/eta", "alpha", 2.0))
    ]
    reasons = [r for r in reasons if r]
    claim.passed, claim.why = not reasons, "; ".join(reasons)
    return claim, fit


def _exponent_reason(name: str, low: float, high: float, target: float) -> str:
    lo, hi = target - EXPONENT_BAND, target + EXPONENT_BAND
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"the exponent of {name} has no interval (too few seed pairs)"
    if high < lo:
        return f"the exponent of {name}'s interval [{low:.2f}, {high:.2f}] lies below [{lo:.2f}, {hi:.2f}]"
    if low > hi:
        return f"the exponent of {name}'s interval [{low:.2f}, {high:.2f}] lies above [{lo:.2f}, {hi:.2f}]"
    return ""


def replacement_pairs(runs: list[DiagonalRun], supports: dict) -> pd.DataFrame:
    """Paired runs (same data set, model, lr, batch, init, order) without / with
    replacement: each one's time (:func:`run_time`) and the ratio without / with."""
    chosen = [r for r in runs if rows.REPLACEMENT in r.roles and r.status == "completed"]
    keyed: dict = {}
    for r in chosen:
        key = tuple(r.coords[k] for k in ("dataset", "model", "lr", "batch", "init", "order"))
        keyed.setdefault(key, {})[r.config["optimizer"]["sampling"]] = run_time(
            r, supports[r.coords["dataset"]]
        )
    out = [
        {
            "key": "/".join(map(str, k)),
            "seeds": f"{k[4]}/{k[5]}",
            "without": v[rows.WITHOUT],
            "with": v[rows.WITH],
        }
        for k, v in keyed.items()
        if rows.WITHOUT in v and rows.WITH in v
    ]
    frame = pd.DataFrame(out, columns=["key", "seeds", "without", "with"]).astype(
        {"without": float, "with": float}
    )
    frame["ratio"] = frame["without"] / frame["with"]
    return frame


def replacement_claim(pairs: pd.DataFrame) -> tuple[Claim, dict]:
    """Theorem 2's last line: the paired time ratio without / with replacement below 1."""
    claim = Claim(
        EXPERIMENT,
        "SGD without replacement cuts the irrelevant first-layer weights strictly faster than SGD with "
        "replacement",
        "paired runs (same init, order seed, lr, b): median of time(without) / time(with) (the time of "
        "Theorem 2's row) with a seed-bootstrap 95% interval; pass when the interval lies below 1",
        "",
        None,
        location="Theorem 2, last line; footnote 3 (Sec. 3.2, 4)",
        scope="linear networks, diagonal depth 2, misspecified data",
    )
    ok = pairs[np.isfinite(pairs["ratio"])] if len(pairs) else pairs
    if len(ok) < 2:
        claim.measured = f"{len(ok)} timed pairs"
        claim.why = (
            "the config lacks the runs: >= 2 pairs of SGD runs without and with replacement, both timed"
        )
        return claim, {}
    ratios = ok["ratio"].to_numpy()
    median = float(np.median(ratios))
    (low,), (high,) = seed_interval(lambda i: np.median(ratios[i]), list(ok["seeds"]))
    claim.measured = (
        f"{len(ok)} pairs ({len(pairs) - len(ok)} untimed): median ratio {median:.3f} [{low:.3f}, "
        f"{high:.3f}]; "
        f"without faster in {int((ratios < 1).sum())} of {len(ratios)}"
    )
    if not np.isfinite(high):
        claim.why = "the ratio has no interval: fewer than 2 distinct seed pairs"
    elif high >= 1:
        where = "contains 1" if low < 1 else "lies above 1"
        claim.passed, claim.why = (
            False,
            f"the interval [{low:.3f}, {high:.3f}] {where}: no faster cut measured",
        )
    else:
        claim.passed = True
    return claim, {"median": median, "low": float(low), "high": float(high), "n": len(ok)}

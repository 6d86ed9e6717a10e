"""E10 (Theorem 1): the exponential decay rate of the irrelevant norm against lr/b.

Theorem 1: per step, in expectation over batches, an irrelevant first-layer weight
is multiplied by ``1 - lr*a*E[x_j^2]`` under GD and by
``1 - lr*a*E[x_j^2] - lr*(lr/2b)*a^2*c^2`` under mini-batch SGD. Once the loss has
been fitted (phase 2) GD's irrelevant norm plateaus, i.e. its first-order term has
died out, and what is left for SGD is the second-order term. Its rate *per step*
is ``lr^2/(2b) a^2 c^2``; per unit of "gradient-flow time" ``lr * steps`` it is
``(lr/2b) a^2 c^2``. So we plot ``rate / lr`` against ``lr / b``: if the second-order
term dominates and ``a, c`` do not vary much across the grid, the log-log slope is
**1**. (Per-step rates against lr/b would mix slope 1 at fixed lr with slope 2 at
fixed b; :func:`exponent_fit` reports those two exponents separately: expected
lr^2 and b^-1.) A residual first-order term, the same for every b, flattens the
slope below 1; so each SGD run's rate is also compared with the rate of plain GD
from the same init and lr over the same window, and the slope of that *excess*
rate (Theorem 1's second-order term alone) decides whether the term is linear in
lr/b.

Why a trajectory slope falls below 1 even so: Theorem 1 is a per-step statement, in
expectation over batches, *at fixed weights*. Along a run ``a`` (the weight the
later layers give the neuron) and ``c`` (a fourth moment of the batch's irrelevant
inputs seen through the network) drift, and they drift differently for different
lr/b: a run that shrinks its irrelevant weights faster also reaches phase 2 with
other ``a, c``, and its fit window ends earlier at the noise floor. The fitted rate
is Theorem 1's factor averaged over that drift, so its slope against lr/b need not
be 1. (The theorem as stated, per step from saved weights, is another analysis.)

Intervals: runs that share an init seed and a batch-order seed are not independent
points (one order seed drives every lr/b of a seed's grid; one init, every run from
it), so every interval here is a seed bootstrap: the (init, order) seed pairs are
resampled with replacement, each bringing all its runs, and the fit is redone
(:func:`sgd_support.experiments.analyses.slope_fits.seed_interval`). With few seed pairs the
interval is coarse, and it says so (``n_seeds``).

Window rule (per run, on the recorded grid):

1. Phase 2 starts at the first recorded step ``s >= 10`` at which the full-data
   loss has stopped improving: its median over ``[10^0.5 s, 10 s]`` (the second half
   of the next decade, in log steps) is at least ``(1 - 0.10)`` times its value at
   ``s`` (a 5-point running median): less than 10% improvement per decade. When the
   run ends before ``10 s`` the look-ahead is the decades left (at least a quarter)
   and the allowance shrinks to ``1 - 0.9^decades``.
2. The fit runs to the last step, unless the norm has reached its noise floor:
   when the log-norm's slope over the last quarter of the window's points is less
   than a quarter of the slope over the whole window, the floor is the median norm
   over that quarter and the fit ends at the first step where the norm falls to
   3x the floor (from there on the floor bends the curve).
3. Least squares of ``log(norm)`` on the step over the window (at least 6 points
   spanning a factor >= 2 in steps); rate = minus the slope (1/step); R^2 reported.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from sgd_support.experiments.analyses.runs import batch_size, relu_rows
from sgd_support.experiments.analyses.slope_fits import (
    LEVEL,
    MIN_RUNS,
    exponent_fit,
    loglog_slope,
    points_of,
    seed_units,
)
from sgd_support.reporting.claims import Claim, combined
from sgd_support.reporting.run_paths import coordinates

LOSS_TOLERANCE = 0.10  # phase 2: the loss improves by less than 10% per decade of steps
MIN_START = 10  # phase 2 is not looked for before step 10 (the init transient)
MIN_DECADES = 0.25  # the look-ahead must cover at least a quarter decade of steps
FLOOR_STALL = 0.25  # tail decaying at < 1/4 of the window's rate: the norm is at its floor
FLOOR_MARGIN = 3.0  # end the fit where the norm first falls to 3x the floor
MIN_POINTS = 6  # recorded steps in the window
MIN_SPAN = 2.0  # end / start: the window covers at least a factor 2 (0.3 decades) in steps


@dataclass
class DecayFit:
    """One run's fit: window [start, end] (steps), rate (1/step, norm ~ exp(-rate*step)),
    R^2 of the log-linear fit, the points used, the floor found (or None) and a note
    saying why there is no fit when rate is NaN."""

    start: int | None
    end: int | None
    rate: float
    r2: float
    n_points: int
    floor: float | None
    note: str


def running_median(values: np.ndarray, half: int = 2) -> np.ndarray:
    """Median over the ``2*half + 1`` neighbours of each point (fewer at the ends)."""
    values = np.asarray(values, dtype=np.float64)
    return np.array([np.median(values[max(0, i - half) : i + half + 1]) for i in range(len(values))])


def phase2_start(steps: np.ndarray, loss: np.ndarray, tolerance: float = LOSS_TOLERANCE) -> int | None:
    """First recorded step at which the loss improves by less than ``tolerance``
    per decade (rule 1 of the module doc); None if it never does."""
    steps, loss = np.asarray(steps), np.asarray(loss, dtype=np.float64)
    smooth = running_median(loss)
    last = steps[-1]
    for i, s in enumerate(steps):
        if s < MIN_START:
            continue
        decades = np.log10(min(10 * s, last) / s)
        if decades < MIN_DECADES:
            return None
        # the loss over the second half (in log steps) of the look-ahead, so that the
        # dense early grid does not outweigh the later steps
        ahead = loss[(steps >= s * 10 ** (decades / 2)) & (steps <= s * 10**decades)]
        allowed = 1 - (1 - tolerance) ** decades
        if np.median(ahead) >= (1 - allowed) * smooth[i]:
            return int(s)
    return None


def _log_fit(steps: np.ndarray, norm: np.ndarray) -> tuple[float, float]:
    """(rate, R^2) of the least-squares line log(norm) = c - rate * step."""
    y = np.log(norm)
    slope, intercept = np.polyfit(steps.astype(np.float64), y, 1)
    resid = y - (slope * steps + intercept)
    total = np.sum((y - y.mean()) ** 2)
    r2 = 1.0 - np.sum(resid**2) / total if total > 0 else float("nan")
    return float(-slope), float(r2)


def fit_decay(steps: np.ndarray, loss: np.ndarray, norm: np.ndarray) -> DecayFit:
    """Fit one run's decay rate of ``norm`` by the module's window rule.

    steps: (T,) recorded steps (increasing); loss: (T,) full-data loss; norm: (T,)
    irrelevant norm.
    """
    steps, loss, norm = (np.asarray(a, dtype=np.float64) for a in (steps, loss, norm))
    start = phase2_start(steps, loss)
    if start is None:
        return DecayFit(None, None, float("nan"), float("nan"), 0, None, "loss still improving at the end")
    inside = (steps >= start) & (norm > 0)
    s, n = steps[inside], norm[inside]
    if len(s) < MIN_POINTS:
        return DecayFit(
            start, None, float("nan"), float("nan"), len(s), None, "too few points after phase-2 start"
        )
    floor, end = None, s[-1]
    tail = max(3, len(s) // 4)
    rate_all, _ = _log_fit(s, n)
    rate_tail, _ = _log_fit(s[-tail:], n[-tail:])
    if rate_all > 0 and rate_tail < FLOOR_STALL * rate_all:
        floor = float(np.median(n[-tail:]))
        end = s[np.argmax(n <= FLOOR_MARGIN * floor)]
    window = s <= end
    if window.sum() < MIN_POINTS or end / start < MIN_SPAN:
        return DecayFit(
            start,
            int(end),
            float("nan"),
            float("nan"),
            int(window.sum()),
            floor,
            "window too short: the norm reached its floor (plateau) early in phase 2",
        )
    rate, r2 = _log_fit(s[window], n[window])
    return DecayFit(start, int(end), rate, r2, int(window.sum()), floor, "")


def load_trajectories(paths: list[str | os.PathLike]) -> list[dict]:
    """One record per run: coordinates, its trajectory (DataFrame), status, weight decay
    and its model's hidden activation (Theorem 1 is a claim about linear networks)."""
    from sgd_support.core.storage import read_metadata, read_trajectory

    records = []
    for path in paths:
        meta = read_metadata(path)
        config = meta.get("config", {})
        records.append(
            {
                **coordinates(path),
                "trajectory": read_trajectory(path),
                "status": meta.get("status", "completed"),
                "weight_decay": float(config.get("optimizer", {}).get("weight_decay", 0.0)),
                "activation": config.get("model", {}).get("activation", "identity"),
            }
        )
    return records


def rate_table(records: list[dict]) -> pd.DataFrame:
    """One row per run: coordinates, lr, batch size, lr/b (NaN for full batch),
    status, weight decay, the :class:`DecayFit` fields (diverged runs: no fit) and,
    for mini-batch runs, ``gd_rate``: the rate of plain GD from the same (dataset,
    model, lr, init) over the same window, and ``excess_rate = rate - gd_rate``:
    SGD's extra shrinkage, Theorem 1's second-order term (NaN without such a GD run)."""
    gd = {
        (r["dataset"], r["model"], r["lr"], r["init"]): r["trajectory"]
        for r in records
        if r["batch"] == "full" and r["weight_decay"] == 0 and r["status"] == "completed"
    }
    rows = []
    for rec in records:
        traj = rec["trajectory"]
        if rec["status"] != "completed":
            fit = DecayFit(None, None, float("nan"), float("nan"), 0, None, "diverged: skipped")
        else:
            fit = fit_decay(
                traj["step"].to_numpy(), traj["full_loss"].to_numpy(), traj["irrelevant_norm"].to_numpy()
            )
        lr, b = rec["lr"], batch_size(rec["batch"])
        reference = gd.get((rec["dataset"], rec["model"], rec["lr"], rec["init"]))
        gd_rate = float("nan")
        if np.isfinite(b) and np.isfinite(fit.rate) and reference is not None:
            inside = (reference["step"] >= fit.start) & (reference["step"] <= fit.end)
            if inside.sum() >= MIN_POINTS:
                gd_rate, _ = _log_fit(
                    reference["step"][inside].to_numpy(), reference["irrelevant_norm"][inside].to_numpy()
                )
        coords = {k: v for k, v in rec.items() if k not in ("trajectory",)}
        rows.append(
            {
                **coords,
                "lr_value": lr,
                "batch_size": b,
                "lr_over_b": lr / b if np.isfinite(b) else np.nan,
                **asdict(fit),
                "rate_per_lr": fit.rate / lr,
                "gd_rate": gd_rate,
                "excess_rate": fit.rate - gd_rate,
                "excess_per_lr": (fit.rate - gd_rate) / lr,
            }
        )
    return pd.DataFrame(rows)


def sgd_fits(rates: pd.DataFrame) -> pd.DataFrame:
    """Runs that enter the slope: mini-batch, no weight decay, a positive fitted rate."""
    sgd = rates[np.isfinite(rates["lr_over_b"]) & (rates["weight_decay"] == 0)]
    return sgd[np.isfinite(sgd["rate"]) & (sgd["rate"] > 0)]


def _seeds(runs: pd.DataFrame) -> list[tuple[str, str]]:
    """The bootstrap's unit: each run's (init, order) seed pair."""
    return list(zip(runs["init"], runs["order"]))


def slope_table(rates: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, model, optimizer) of plain SGD: the log-log slope of rate/lr
    against lr/b with its interval, the exponents of the per-step rate, and the
    counts of runs fitted, skipped as diverged, and without a positive rate."""
    rows = []
    plain = rates[np.isfinite(rates["lr_over_b"]) & (rates["weight_decay"] == 0)]
    fitted = sgd_fits(rates)
    for key, group in plain.groupby(["dataset", "model", "optimizer"], sort=True):
        used = fitted.loc[fitted.index.intersection(group.index)]
        row = dict(zip(("dataset", "model", "optimizer"), key))
        row["activation"] = group["activation"].iloc[0] if "activation" in group else "identity"
        row.update(loglog_slope(used["lr_over_b"], used["rate_per_lr"], _seeds(used)))
        excess = used[used["excess_rate"] > 0]
        row.update(
            {
                f"excess_{k}": v
                for k, v in loglog_slope(excess["lr_over_b"], excess["excess_per_lr"], _seeds(excess)).items()
            }
        )
        row["excess_n_lr_over_b"] = int(excess["lr_over_b"].nunique())
        row.update(
            {
                f"{k}": v
                for k, v in exponent_fit(
                    points_of(used["lr_value"], used["batch_size"], used["rate"]),
                    seed_units(_seeds(used)),
                    MIN_RUNS,
                ).items()
            }
        )
        row.update(
            n_runs=len(group),
            n_fitted=len(used),
            n_diverged=int((group["status"] != "completed").sum()),
            n_no_rate=int(len(group) - len(used) - (group["status"] != "completed").sum()),
            n_lr_over_b=int(used["lr_over_b"].nunique()),
            median_r2=float(used["r2"].median()),
        )
        rows.append(row)
    return pd.DataFrame(rows)


LOCATION = "Theorem 1, Sec. 2; App. C.2 ('speed ... proportional to η/b'), Fig. 11"
# Why the trajectory slope is not Theorem 1's 1 (module doc): written beside a FAIL of
# the linearity row, whose numbers then show how far below 1 the fit is.
DRIFT_NOTE = (
    "the fit is over trajectories: Theorem 1 is a per-step statement in expectation at fixed "
    "weights, while along a run a and c drift (differently for each lr/b) and the window ends at "
    "each run's noise floor, so the fitted rate mixes the theorem's term with that drift "
    "(rate-vs-lr/b figure); the theorem as stated is tested per step from saved weights elsewhere"
)


def decay_rate_claims(slopes: pd.DataFrame, rates: pd.DataFrame) -> list[Claim]:
    """E10's checklist rows: the rate grows with lr/b (slope's interval above 0) and
    it is linear in lr/b (interval contains 1); ``passed=None`` without >= 2 lr/b values.

    Two rows for the linear networks' fits (Theorem 1's scope) and, when the sweep's
    ReLU fits decide them, two more for those, scoped "not claimed by the paper".
    """
    grows = (
        "The irrelevant norm's phase-2 decay rate grows with lr/b (Theorem 1)",
        f"log-log least squares of rate/lr on lr/b over the fitted SGD runs: the slope's {LEVEL:.0%} "
        "seed-bootstrap interval (resampling (init, order) seed pairs) lies above 0",
    )
    linear = (
        "SGD's extra shrinkage is linear in lr/b: rate per unit lr*steps ~ lr/b (Theorem 1's "
        "second-order term lr*(lr/2b)*a^2*c^2)",
        f"the {LEVEL:.0%} seed-bootstrap interval of the log-log slope of the excess rate over GD (SGD's "
        "rate minus the rate of GD from the same init and lr over the same window, i.e. without the "
        "first-order term) per lr against lr/b contains 1; without GD runs, the same for the raw rate",
    )
    kinds = slopes["activation"] if len(slopes) and "activation" in slopes else pd.Series(dtype=str)
    claims = _claims_for(slopes[kinds != "relu"] if len(slopes) else slopes, rates, grows, linear)
    relu = _claims_for(slopes[kinds == "relu"], rates, grows, linear) if (kinds == "relu").any() else []
    return claims + relu_rows(relu)


def _claims_for(slopes: pd.DataFrame, rates: pd.DataFrame, grows: tuple, linear: tuple) -> list[Claim]:
    usable = slopes[slopes["n_lr_over_b"] >= 2] if len(slopes) else slopes
    where = {"location": LOCATION, "scope": "linear networks"}
    if usable.empty:
        n_values = int(sgd_fits(rates)["lr_over_b"].nunique()) if len(rates) else 0
        why = (
            f"not decidable: needs fitted decay rates at >= 2 distinct lr/b values (plain SGD runs); "
            f"this run has {n_values}"
        )
        return [
            Claim("E10", *grows, why, None, **where, why=why),
            Claim("E10", *linear, why, None, **where, why=why),
        ]
    raw_parts, excess_parts, grows_ok, linear_ok, flat, off = [], [], [], [], [], []
    for row in usable.itertuples():
        name = f"{row.dataset}/{row.model}/{row.optimizer}"
        text = (
            f"{name}: slope {row.slope:.2f} [{row.ci_low:.2f}, {row.ci_high:.2f}] over {row.n_fitted} runs "
            f"at {row.n_lr_over_b} lr/b values from {row.n_seeds} seed pairs (median fit R^2 "
            f"{row.median_r2:.2f}; "
            f"{row.n_diverged} diverged, {row.n_no_rate} without a positive rate skipped); "
        )
        if np.isfinite(row.alpha):
            text += (
                f"per-step rate ~ lr^{row.alpha:.2f} [{row.alpha_low:.2f}, {row.alpha_high:.2f}] "
                f"b^-{row.beta:.2f} [{row.beta_low:.2f}, {row.beta_high:.2f}]"
            )
        else:
            text += "per-step exponents of lr and b not fitted (needs >= 2 lrs and >= 2 batch sizes)"
        raw_parts.append(text)
        grows_ok.append(interval_side(row.ci_low, row.ci_high, 0.0))
        if grows_ok[-1] is not True:
            flat.append(
                f"{row.dataset}/{row.model}: " + interval_reason(row.ci_low, row.ci_high, 0.0, row.n_seeds)
            )
        if row.excess_n_lr_over_b >= 2 and np.isfinite(row.excess_slope):
            excess_parts.append(
                f"{name}: excess over GD (SGD's rate minus GD's over the same window) per lr against lr/b: "
                f"slope {row.excess_slope:.2f} [{row.excess_ci_low:.2f}, {row.excess_ci_high:.2f}] over "
                f"{row.excess_n} runs"
            )
            slope, low, high = row.excess_slope, row.excess_ci_low, row.excess_ci_high
        else:
            excess_parts.append(
                f"{name}: no GD runs to subtract, the raw slope of the rate row decides: {row.slope:.2f} "
                f"[{row.ci_low:.2f}, {row.ci_high:.2f}]"
            )
            slope, low, high = row.slope, row.ci_low, row.ci_high
        linear_ok.append(interval_side(low, high, 1.0, contains=True))
        if linear_ok[-1] is not True:
            off.append(
                f"{row.dataset}/{row.model} slope {slope:.2f}: "
                + interval_reason(low, high, 1.0, row.n_seeds)
            )
    gd_note = _gd_note(rates)
    grew, linear_passed = combined(grows_ok), combined(linear_ok)
    return [
        Claim(
            "E10",
            *grows,
            "; ".join(raw_parts) + gd_note,
            grew,
            **where,
            why="" if grew else "; ".join(flat),
        ),
        Claim(
            "E10",
            *linear,
            "; ".join(excess_parts),
            linear_passed,
            **where,
            why=""
            if linear_passed
            else "; ".join(off) + ("" if linear_passed is None else f": {DRIFT_NOTE}"),
        ),
    ]


def interval_side(low: float, high: float, value: float, contains: bool = False) -> bool | None:
    """Whether the interval [low, high] lies above ``value`` (``contains``: holds it);
    None when there is no interval (NaN ends)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return None
    return bool(low <= value <= high) if contains else bool(low > value)


def interval_reason(low: float, high: float, value: float, n_seeds: int) -> str:
    """Where an interval lies against ``value``, in words that hold in every case."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"no interval: {n_seeds} seed pair(s), the seed bootstrap needs >= 2"
    if high < value:
        return f"interval [{low:.2f}, {high:.2f}] lies below {value:g}"
    if low > value:
        return f"interval [{low:.2f}, {high:.2f}] lies above {value:g}"
    return f"interval [{low:.2f}, {high:.2f}] contains {value:g}"


def _gd_note(rates: pd.DataFrame) -> str:
    """How plain full-batch GD runs decayed in phase 2 (Theorem 1: no second-order term)."""
    gd = rates[
        ~np.isfinite(rates["lr_over_b"]) & (rates["weight_decay"] == 0) & (rates["status"] == "completed")
    ]
    if gd.empty:
        return ""
    decaying = gd[gd["rate"] > 0]
    text = f"; GD: {len(gd) - len(decaying)} of {len(gd)} runs without a phase-2 decay (plateau)"
    if len(decaying):
        text += f", the others rate/lr median {decaying['rate_per_lr'].median():.2g}"
    return text

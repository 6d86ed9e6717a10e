"""E12: the paper's theory on diagonal networks (Prop. 1, Prop. 2 / Theorem 2) and App.
J's counterexample (Prop. 6), decided on ordinary sweep runs (which ones:
:mod:`sgd_support.experiments.theory.targets`).

A diagonal network of depth L on d inputs (scalar output) computes
f(x) = sum_j (prod_l W_l[j, j]) x_j with identity activation; its weights are stored as
dense (out, in) matrices, so coordinate j's path is W_l[j, j] for l < L and W_L[0, j].
Each irrelevant coordinate j (outside the target's support) is one trial of App. K.2's
argument: under GD every W_l[j, j] shrinks at a rate set by the others, so the one
smallest at init reaches zero first and the others stop; the layer in which the path
is cut is uniform over layers for iid inits (Prop. 1: first layer with probability
1/L per coordinate, depth^-(d-r) for all). SGD on misspecified data keeps shrinking
the rest (Theorem 2), so the first layer's weight vanishes too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sgd_support.core.storage import read_metadata, read_trajectory, read_weights
from sgd_support.experiments.analyses.slope_fits import exponent_fit, points_of, seed_interval, seed_units
from sgd_support.experiments.theory import targets as rows
from sgd_support.reporting.claims import Claim, combined
from sgd_support.reporting.run_paths import FULL, coordinates

EXPERIMENT = "E12"
# A path is "cut" (its coordinate's support learned) when |prod_l W_l[j, j]| ends below
# this share of its init value: a tenfold drop, far outside the init's spread at the
# end of a run that has stopped moving (a path that keeps its init has ratio 1).
LEARNED = 0.1
# A first-layer weight has "vanished" when |W1[j, j]| ends (or first falls) below this
# share of its init value: the same tenfold drop (the delta of Theorem 2's time).
VANISH = 0.1
SUPPORT_SHARE = 0.9  # "learns the support" / "with high probability": at least 90% of coordinates
LEVEL = 0.95  # Wilson intervals of shares and bootstrap intervals of medians
Z = 1.959963984540054  # the standard normal's 97.5% quantile (two-sided 95%)
# Theorem 2's time t = O~(b / (eta^2 R_j^2)) (2 layers): exponents 1 on b, -2 on eta, up
# to the logarithms the O~ hides: log(alpha / delta) with alpha the init's |W1[j, j]|
# (0.05-2.5 for N(0, 1) inits) moves log t by at most log(50) ~ 3.9 across coordinates
# but by the same factor for every (b, eta) cell; within the fit, the GD phase (the
# relevant weights converge in ~1/eta steps) adds a term that falls with eta, not with b.
# So the exponents are compared with a band of 0.5 around 1 and -2: a log factor that
# varies as (b / eta^2)^0.1 over our 8x range of b / eta^2 shifts them by ~0.1-0.2.
EXPONENT_BAND = 0.5
# Prop. 6: the network fits when the loss falls at least tenfold; the irrelevant weights
# "do not decrease to zero" when ||W1[:, 1:]|| keeps at least half its init value.
FIT_FACTOR = 0.1
KEEP_SHARE = 0.5


@dataclass
class DiagonalRun:
    """One run of an E12 row: coordinates, the config entries it was trained with (its
    metadata), status, and what the rows read."""

    coords: dict
    config: dict  # {"dataset": ..., "model": ..., "optimizer": ...}, schema-filled
    status: str
    traj: pd.DataFrame  # step, full_loss, irrelevant_norm (+ w0_j_j if recorded)
    init: list[np.ndarray]  # the weights at step 0, (out, in) each
    end: list[np.ndarray]  # the weights at the last step

    @property
    def roles(self) -> set[str]:
        return rows.diagonal_roles(self.config["dataset"], self.config["model"], self.config["optimizer"])

    @property
    def full_batch(self) -> bool:
        return self.coords["batch"] == FULL

    @property
    def depth(self) -> int:
        return len(self.init)


def load_runs(trajectories: list[str], weights: list[str]) -> list[DiagonalRun]:
    """E12 runs from their trajectory and weights files (paired by coordinates)."""
    by_coords = {tuple(coordinates(p).values()): p for p in weights}
    runs = []
    for path in trajectories:
        coords = coordinates(path)
        meta = read_metadata(path)
        snapshots = read_weights(by_coords[tuple(coords.values())])
        steps = sorted(snapshots)
        config = {key: meta["config"][key] for key in ("dataset", "model", "optimizer")}
        traj = read_trajectory(path)
        runs.append(
            DiagonalRun(coords, config, meta["status"], traj, snapshots[steps[0]], snapshots[steps[-1]])
        )
    return runs


def diagonals(weights: list[np.ndarray]) -> np.ndarray:
    """(L, d) path weights of a diagonal network: W_l[j, j] for l < L, W_L[0, j]."""
    return np.stack([np.diag(w) for w in weights[:-1]] + [weights[-1][0]]).astype(np.float64)


def irrelevant(support: np.ndarray) -> np.ndarray:
    """Indices of the coordinates outside the support."""
    return np.flatnonzero(~np.asarray(support, dtype=bool))


def wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson score 95% interval of a share k/n (NaN for n = 0)."""
    if n == 0:
        return math.nan, math.nan
    p, z2 = k / n, Z * Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def dead_paths(start: np.ndarray) -> np.ndarray:
    """(d,) True where a diagonal ReLU path carries nothing on any input: a hidden layer
    l = 2..L-1 sees relu(...) >= 0 and passes it on only when W_l[j, j] > 0, so a
    non-positive one switches the path off for every x, and no weight of it ever gets a
    gradient (App. K.2's "neurons completely off"). Layer 1 is never dead on data with
    both signs of x_j (it is active on one half)."""
    hidden = start[1:-1]
    return np.any(hidden <= 0, axis=0) if len(hidden) else np.zeros(start.shape[1], dtype=bool)


# --- Prop. 1 -----------------------------------------------------------------


def relevant_offset(run: DiagonalRun, x: np.ndarray, y: np.ndarray, support: np.ndarray) -> float:
    """mean(y - f_S(x)) at the end, f_S the network's paths on the support only (each path
    j: W_L[0, j] act(... act(W_1[j, j] x_j))): the constant part of the target that the
    relevant paths leave to the others (0 for a linear network fitting a linear target)."""
    paths, h = diagonals(run.end), np.asarray(x, dtype=np.float64)
    relu = run.config["model"]["activation"] == "relu"
    for w in paths[:-1]:
        h = h * w
        h = np.maximum(h, 0.0) if relu else h
    fitted = (h * paths[-1])[:, np.asarray(support, dtype=bool)].sum(axis=1)
    return float(np.mean(np.ravel(y) - fitted))


def cut_layers(run: DiagonalRun, support: np.ndarray, relu: bool) -> pd.DataFrame:
    """Per irrelevant coordinate of a run: whether its path was cut (|product| ended
    below LEARNED of its init), the layer (1-based) smallest in |W_l[j, j]| at the end
    (where it was cut) and at init (App. K.2's prediction), and whether it is dead."""
    start, end = diagonals(run.init), diagonals(run.end)
    j = irrelevant(support)
    p0, p1 = np.abs(start[:, j].prod(axis=0)), np.abs(end[:, j].prod(axis=0))
    dead = dead_paths(start)[j] if relu else np.zeros(len(j), dtype=bool)
    return pd.DataFrame(
        {
            "coordinate": j,
            "learned": p1 <= LEARNED * p0,
            "layer": np.argmin(np.abs(end[:, j]), axis=0) + 1,
            "init_smallest": np.argmin(np.abs(start[:, j]), axis=0) + 1,
            "dead": dead,
        }
    )


def prop1_depth(runs: list[DiagonalRun], support: np.ndarray, relu: bool, data=None) -> dict:
    """Prop. 1's numbers at one depth over its runs (completed ones; diverged counted);
    with ``data`` (x, y), also the median relevant offset (:func:`relevant_offset`)."""
    done = [r for r in runs if r.status == "completed"]
    offsets = [relevant_offset(r, *data, support) for r in done] if data is not None else []
    depth, irr = runs[0].depth, int((~np.asarray(support)).sum())
    frames = [cut_layers(r, support, relu).assign(run=i) for i, r in enumerate(done)]
    cells = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["learned", "dead"])
    live = cells[~cells["dead"].astype(bool)] if len(cells) else cells
    learned = live[live["learned"].astype(bool)] if len(live) else live
    k, n = int((learned["layer"] == 1).sum()) if len(learned) else 0, len(learned)
    all_first = [
        bool(len(g) == irr and g["learned"].all() and (g["layer"] == 1).all())
        for _, g in cells.groupby("run")
    ]
    joint_k = int(sum(all_first))
    return {
        "depth": depth,
        "runs": len(runs),
        "diverged": len(runs) - len(done),
        "coordinates": len(cells),
        "dead": int(cells["dead"].sum()) if len(cells) else 0,
        "learned_share": len(learned) / len(live) if len(live) else math.nan,
        "first_k": k,
        "first_n": n,
        "first_share": k / n if n else math.nan,
        "first_low": wilson(k, n)[0],
        "first_high": wilson(k, n)[1],
        "uniform": 1 / depth,
        "joint_k": joint_k,
        "joint_n": len(all_first),
        "joint_low": wilson(joint_k, len(all_first))[0],
        "joint_bound": float(depth) ** -irr,
        "mechanism": float((learned["layer"] == learned["init_smallest"]).mean()) if n else math.nan,
        "offset": float(np.median(offsets)) if offsets else math.nan,
        "relu": relu,
    }


def _offset_reason(stats: dict) -> str:
    """For ReLU networks whose paths were not cut: the offset their relevant paths leave."""
    if not stats.get("relu") or not np.isfinite(stats.get("offset", math.nan)):
        return ""
    return (
        f"; the relevant paths alone leave a mean residual of {stats['offset']:+.2f} (a ReLU path passes "
        "one sign of x_i only), which a live irrelevant path, whose relu output has a mean > 0, can carry "
        "in a network without biases"
    )


def prop1_verdict(stats: dict) -> tuple[bool | None, str]:
    """Prop. 1 at one depth: (passed, the reason of a FAIL or undecided verdict)."""
    if stats["coordinates"] == stats["dead"]:
        return None, f"depth {stats['depth']}: no completed run with a live irrelevant path"
    reasons = []
    if not stats["learned_share"] >= SUPPORT_SHARE:
        reasons.append(
            f"depth {stats['depth']}: only {stats['learned_share']:.0%} of the live irrelevant "
            "paths were cut "
            f"(|product| below {LEARNED:g} of its init), so GD has not learned the support in these steps"
            + _offset_reason(stats)
        )
    low, high, uniform = stats["first_low"], stats["first_high"], stats["uniform"]
    if stats["first_n"] and not low <= uniform <= high:
        side = "below" if high < uniform else "above"
        reasons.append(
            f"depth {stats['depth']}: the first-layer share's interval [{low:.2f}, {high:.2f}] lies {side} "
            f"1/depth = {uniform:.2f}"
        )
    if stats["joint_low"] > stats["joint_bound"]:
        reasons.append(
            f"depth {stats['depth']}: {stats['joint_k']} of {stats['joint_n']} runs cut every "
            "irrelevant path in "
            f"the first layer, more than depth^-(d-r) = {stats['joint_bound']:.1e} allows"
        )
    return (not reasons), "; ".join(reasons)


def prop1_claim(
    runs: list[DiagonalRun], supports: dict, activation: str, data: dict | None = None
) -> tuple[Claim, list[dict]]:
    """Prop. 1's row for one activation, decided per depth, and the per-depth numbers."""
    relu = activation == "relu"
    scope = "ReLU networks" if relu else "linear networks"
    chosen = [r for r in runs if rows.PROP1 in r.roles and r.config["model"]["activation"] == activation]
    claim = Claim(
        EXPERIMENT,
        "GD on a diagonal network, randomly initialised, learns the support, but cuts each irrelevant "
        "coordinate in a uniformly random layer: in the first with probability 1/depth, all d - r of them "
        "with probability below depth^-(d-r)",
        f"per depth: >= {SUPPORT_SHARE:.0%} of irrelevant paths cut (|prod_l W_l[j,j]| below "
        f"{LEARNED:g} of its "
        "init); 1/depth inside the Wilson 95% interval of the share cut in layer 1; the share of runs with "
        "all in layer 1 consistent with depth^-(d-r)"
        + (
            "; dead paths (a hidden weight <= 0 at init switches the path off) are counted apart"
            if relu
            else ""
        ),
        "",
        None,
        location="Prop. 1 (Sec. 3.1; App. F.2, K.2)",
        scope=f"{scope}, diagonal, GD on a linear target",
    )
    if not chosen:
        claim.measured = "no runs"
        claim.why = (
            f"the config lacks the runs: GD on diagonal {activation} networks on a linear synthetic target"
        )
        return claim, []
    per_depth, verdicts, reasons, measured = [], [], [], []
    for depth in sorted({r.depth for r in chosen}):
        group = [r for r in chosen if r.depth == depth]
        name = group[0].coords["dataset"]
        stats = prop1_depth(group, supports[name], relu, (data or {}).get(name))
        passed, why = prop1_verdict(stats)
        per_depth.append({"activation": activation, **stats, "passed": passed})
        verdicts.append(passed)
        if why:
            reasons.append(why)
        measured.append(
            f"depth {depth}: {stats['runs']} runs ({stats['diverged']} diverged), cut "
            f"{stats['learned_share']:.0%}; in layer 1 {stats['first_k']}/{stats['first_n']} = "
            f"{stats['first_share']:.2f} [{stats['first_low']:.2f}, {stats['first_high']:.2f}] vs 1/depth "
            f"{stats['uniform']:.2f}; all in layer 1: {stats['joint_k']}/{stats['joint_n']} runs "
            f"(depth^-(d-r) = {stats['joint_bound']:.1e}); cut layer = smallest at init: "
            f"{stats['mechanism']:.0%}"
            + (f"; dead paths {stats['dead']}/{stats['coordinates']}" if relu else "")
        )
    claim.passed, claim.measured, claim.why = combined(verdicts), "; ".join(measured), "; ".join(reasons)
    return claim, per_depth


# --- Prop. 2 / Theorem 2 -----------------------------------------------------


def first_layer_ratio(run: DiagonalRun, support: np.ndarray) -> np.ndarray:
    """|W1[j, j]| at the end over its init value, per irrelevant coordinate."""
    j = irrelevant(support)
    start, end = diagonals(run.init)[0, j], diagonals(run.end)[0, j]
    return np.abs(end) / np.abs(start)


def crossing_steps(steps: np.ndarray, w: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Per column of ``w`` (recorded at ``steps``), the step at which |w| first falls to
    ``bound``: log-linear interpolation between the recorded steps around the crossing
    (the record is log-spaced, ~6% apart at 40 per decade, so two runs crossing between the
    same two records still get different times), NaN if it never does."""
    out = np.full(w.shape[1], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.log(np.abs(w) / bound)  # > 0 above the bound, <= 0 at or below it
    for j in range(w.shape[1]):
        below = np.flatnonzero(level[:, j] <= 0)
        if len(below) == 0:
            continue
        i = below[0]
        if i == 0 or not np.isfinite(level[i, j]):
            out[j] = steps[i]
            continue
        fraction = level[i - 1, j] / (level[i - 1, j] - level[i, j])
        out[j] = steps[i - 1] + fraction * (steps[i] - steps[i - 1])
    return out


def vanish_steps(run: DiagonalRun, support: np.ndarray) -> pd.DataFrame:
    """Per irrelevant coordinate: the step at which |W1[j, j]| first falls to VANISH times
    its init value (:func:`crossing_steps`; NaN if never; needs the run's w0_j_j columns:
    recording.param_columns), and whether W1[j, j] was the larger of the path's weights
    at init (so that only SGD's second-order shrinkage, not GD's, can cut it: Theorem 2's
    i = 2 for depth 2)."""
    j = irrelevant(support)
    start = diagonals(run.init)
    cols = [f"w0_{k}_{k}" for k in j]
    if not set(cols) <= set(run.traj.columns):
        raise ValueError(
            f"run {run.coords}: no w0_j_j columns; set recording.param_columns to the model's parameter count"
        )
    w = run.traj[cols].to_numpy(dtype=np.float64)
    first = crossing_steps(run.traj["step"].to_numpy(dtype=np.float64), w, VANISH * np.abs(start[0, j]))
    larger = np.argmin(np.abs(start[:, j]), axis=0) != 0
    return pd.DataFrame({"coordinate": j, "step": first.astype(float), "not_smallest": larger})


def misfit(x: np.ndarray, y: np.ndarray, support: np.ndarray) -> dict:
    """The data's misspecification for a linear model: R^2 = the residual variance of
    the least-squares linear fit (Prop. 2's R^2 > 0), R_j^2 = mean(res^2 x_j^2) over the
    irrelevant j (Theorem 2's constant), and max |mean(y x_j)| there (should be ~0)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64).ravel()
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    res = y - x @ beta
    irr = ~np.asarray(support, dtype=bool)
    rj2 = np.mean(res[:, None] ** 2 * x[:, irr] ** 2, axis=0)
    return {
        "R2": float(np.mean(res**2)),
        "Rj2_median": float(np.median(rj2)),
        "max_corr": float(np.max(np.abs(x[:, irr].T @ y / len(y)))),
        # the least-squares coefficients off the support: 0 where E_D[y x_j] = 0 and the
        # inputs are uncorrelated on the data set, ~1/sqrt(n) on a finite sample of them
        "coef": np.abs(beta[irr]),
    }


def floor_reason(kept: np.ndarray, gone: np.ndarray) -> str:
    """Why first-layer weights stayed, from the data's least-squares coefficients |p*_j|
    of the coordinates whose weight stayed (``kept``) and vanished (``gone``)."""
    a = float(np.median(kept))
    b = float(np.median(gone)) if len(gone) else math.nan
    if len(gone) and a > b:
        return (
            f"the weights left sit on coordinates with larger least-squares coefficients |p*_j| on this "
            f"finite data set (median {a:.3f} vs {b:.3f} where they vanished): E_D[y x_j] = 0, the "
            "statement's assumption, holds only to ~1/sqrt(n) here"
        )
    return (
        f"not explained by the data's |p*_j| (median {a:.3f} where they stayed, {b:.3f} where they vanished)"
    )


def prop2_claim(runs: list[DiagonalRun], supports: dict, misfits: dict) -> tuple[Claim, list[dict]]:
    """Prop. 2's row: the share of irrelevant first-layer weights that vanish under SGD
    (>= SUPPORT_SHARE and above GD's on the same data, models and inits)."""
    chosen = [r for r in runs if rows.PROP2 in r.roles and r.status == "completed"]
    claim = Claim(
        EXPERIMENT,
        "SGD (with or without replacement) on misspecified data learns the support in the first layer of a "
        "diagonal linear network with high probability; GD does not",
        f"share of irrelevant |W1[j,j]| ending below {VANISH:g} of their init >= "
        f"{SUPPORT_SHARE:.0%} for SGD, "
        "and above GD's share on the same data, model and init seeds",
        "",
        None,
        location="Prop. 2 (Sec. 3.2; App. G); Theorem 2 (Sec. 4)",
        scope="linear networks, diagonal, misspecified data (sine target)",
    )
    sgd = [r for r in chosen if not r.full_batch]
    gd = [r for r in chosen if r.full_batch]
    if not sgd or not gd:
        missing = "SGD" if not sgd else "GD"
        claim.measured = f"{len(sgd)} SGD and {len(gd)} GD runs"
        claim.why = f"the config lacks the runs: {missing} on a diagonal linear network on sine data"
        return claim, []
    inits = {(r.coords["dataset"], r.coords["model"], r.coords["init"]) for r in gd}
    sgd = [r for r in sgd if (r.coords["dataset"], r.coords["model"], r.coords["init"]) in inits]
    table, verdicts, reasons, measured = [], [], [], []
    gd_ratios = np.concatenate([first_layer_ratio(r, supports[r.coords["dataset"]]) for r in gd])
    gd_share = float(np.mean(gd_ratios <= VANISH))
    for sampling in sorted({r.config["optimizer"]["sampling"] for r in sgd}):
        group = [r for r in sgd if r.config["optimizer"]["sampling"] == sampling]
        ratios = np.concatenate([first_layer_ratio(r, supports[r.coords["dataset"]]) for r in group])
        coef = np.concatenate([misfits[r.coords["dataset"]]["coef"] for r in group])
        k, n = int(np.sum(ratios <= VANISH)), len(ratios)
        low, high = wilson(k, n)
        times = [
            vanish_steps(r, supports[r.coords["dataset"]])["step"]
            for r in group
            if has_first_layer_columns(r)
        ]
        t = np.concatenate(times) if times else np.array([np.nan])
        share = k / n
        passed = share >= SUPPORT_SHARE and share > gd_share
        verdicts.append(passed)
        if not passed:
            parts = []
            if share < SUPPORT_SHARE:
                why = floor_reason(coef[ratios > VANISH], coef[ratios <= VANISH])
                parts.append(f"SGD {sampling}: only {share:.0%} of the first-layer weights vanished; {why}")
            if share <= gd_share:
                parts.append(f"SGD {sampling}'s share {share:.0%} is not above GD's {gd_share:.0%}")
            reasons.append("; ".join(parts))
        median_t = float(np.nanmedian(t)) if np.isfinite(t).any() else math.nan
        table.append(
            {"sampling": sampling, "share": share, "low": low, "high": high, "n": n, "median_step": median_t}
        )
        measured.append(
            f"SGD {sampling} ({len(group)} runs): {k}/{n} = {share:.2f} [{low:.2f}, {high:.2f}] vanished, "
            f"median step to vanish {median_t:.0f}"
        )
    fit = "; ".join(
        f"{name}: R^2 = {m['R2']:.3f}, R_j^2 median {m['Rj2_median']:.3f}, max |mean(y x_j)| "
        f"{m['max_corr']:.1e}, |p*_j| median {np.median(m['coef']):.1e}"
        for name, m in sorted(misfits.items())
    )
    measured.append(f"GD ({len(gd)} runs): {gd_share:.2f} vanished; data {fit}")
    table.append({"sampling": "GD", "share": gd_share, "n": len(gd_ratios)})
    claim.passed, claim.measured, claim.why = combined(verdicts), "; ".join(measured), "; ".join(reasons)
    return claim, table


def has_first_layer_columns(run: DiagonalRun) -> bool:
    return "w0_0_0" in run.traj.columns


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


# --- Prop. 6 / App. J --------------------------------------------------------


def counterexample_numbers(run: DiagonalRun) -> dict:
    """Loss and ||W1[:, 1:]|| (the trajectory's irrelevant_norm) at the end over the start."""
    first, last = run.traj.iloc[0], run.traj.iloc[-1]
    opt = run.config["optimizer"]
    label = "GD" if run.full_batch else f"SGD-{run.coords['batch']}"
    if opt.get("label_noise"):
        label += f" + label noise {opt['label_noise']:g}"
    return {
        "label": label,
        "status": run.status,
        "loss_ratio": float(last["full_loss"] / first["full_loss"]),
        "norm_ratio": float(last["irrelevant_norm"] / first["irrelevant_norm"]),
        "plain_gd": run.full_batch and rows.is_plain(opt),
    }


def prop6_claim(runs: list[DiagonalRun]) -> tuple[Claim, list[dict]]:
    chosen = [r for r in runs if rows.PROP6 in r.roles]
    claim = Claim(
        EXPERIMENT,
        "With a nonlinear activation the irrelevant first-layer weights may never decrease under GD: "
        "App. J's 2-layer ReLU network of width 3 fits y = x[0] with W1[:, 1:] != 0",
        f"GD from near App. J's family: the loss falls at least {1 / FIT_FACTOR:g}-fold and ||W1[:, "
        "1:]|| keeps "
        f">= {KEEP_SHARE:g} of its start; SGD and label-noise runs are shown, not judged",
        "",
        None,
        location="Prop. 6 (App. F.2; App. J; K.1)",
        scope="ReLU networks, App. J's counterexample",
    )
    numbers = [counterexample_numbers(r) for r in chosen]
    gd = [n for n in numbers if n["plain_gd"] and n["status"] == "completed"]
    claim.measured = "; ".join(
        f"{n['label']}: loss x{n['loss_ratio']:.2g}, ||W1[:, 1:]|| x{n['norm_ratio']:.2f}" for n in numbers
    )
    if not gd:
        claim.measured = claim.measured or "no runs"
        claim.why = (
            "the config lacks the runs: plain GD on a relu_counterexample data set with a dense ReLU model"
        )
        return claim, numbers
    reasons = []
    for n in gd:
        if n["loss_ratio"] > FIT_FACTOR:
            reasons.append(
                f"GD's loss fell only to {n['loss_ratio']:.2g} of its start: the network did not fit"
            )
        if n["norm_ratio"] < KEEP_SHARE:
            reasons.append(
                f"GD shrank ||W1[:, 1:]|| to {n['norm_ratio']:.2f} of its start: the irrelevant "
                "weights decreased"
            )
    claim.passed, claim.why = not reasons, "; ".join(reasons)
    return claim, numbers


# --- all rows ----------------------------------------------------------------


def diagonal_claims(
    runs: list[DiagonalRun], supports: dict, misfits: dict, data: dict | None = None
) -> tuple[list[Claim], pd.DataFrame]:
    """E12's rows in order and the table of every row's numbers (long form: row,
    setting, metric, value)."""
    linear, linear_depths = prop1_claim(runs, supports, "identity")
    relu, relu_depths = prop1_claim(runs, supports, "relu", data)
    prop2, prop2_rows = prop2_claim(runs, supports, misfits)
    time, fit = theorem2_time_claim(time_table(runs, supports))
    pairs = replacement_pairs(runs, supports)
    replacement, ratio = replacement_claim(pairs)
    prop6, numbers = prop6_claim(runs)
    table = []
    for d in linear_depths + relu_depths:
        table += _long("prop1", f"{d['activation']} depth {d['depth']}", d)
    for d in prop2_rows:
        table += _long("prop2", d["sampling"], d)
    table += _long("theorem2_time", "log t on log b, log eta", fit)
    table += _long("theorem2_replacement", "time without / with", ratio)
    for n in numbers:
        table += _long("prop6", n["label"], n)
    for name, m in misfits.items():
        table += _long("data", name, m)
    frame = pd.DataFrame(table, columns=["row", "setting", "metric", "value"])
    return [linear, relu, prop2, time, replacement, prop6], frame


def _long(row: str, setting: str, values: dict) -> list[dict]:
    return [
        {"row": row, "setting": setting, "metric": k, "value": float(v)}
        for k, v in values.items()
        if isinstance(v, (int, float, bool, np.floating, np.integer)) and not isinstance(v, str)
    ]

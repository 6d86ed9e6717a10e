"""E12: the paper's theory on diagonal networks (Props. 1, 2) and App. J's counterexample
(Prop. 6), decided on ordinary sweep runs (which ones:
:mod:`sgd_support.experiments.theory.targets`), and every E12 row with the table of their
numbers (:func:`diagonal_claims`; Theorem 2's time and last line: :mod:`.theorem2`; what
the rows read from the runs: :mod:`.diagonal_runs`).

Each irrelevant coordinate j (outside the target's support) is one trial of App. K.2's
argument: under GD every W_l[j, j] shrinks at a rate set by the others, so the one
smallest at init reaches zero first and the others stop; the layer in which the path
is cut is uniform over layers for iid inits (Prop. 1: first layer with probability
1/L per coordinate, depth^-(d-r) for all). SGD on misspecified data keeps shrinking
the rest (Theorem 2), so the first layer's weight vanishes too.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sgd_support.experiments.theory import targets as rows
from sgd_support.experiments.theory.diagonal_runs import (
    EXPERIMENT,
    VANISH,
    DiagonalRun,
    dead_paths,
    diagonals,
    first_layer_ratio,
    has_first_layer_columns,
    irrelevant,
    vanish_steps,
    wilson,
)
from sgd_support.experiments.theory.theorem2 import (
    replacement_claim,
    replacement_pairs,
    theorem2_time_claim,
    time_table,
)
from sgd_support.reporting.claims import Claim, combined

# A path is "cut" (its coordinate's support learned) when |prod_l W_l[j, j]| ends below
# this share of its init value: a tenfold drop, far outside the init's spread at the
# end of a run that has stopped moving (a path that keeps its init has ratio 1).
LEARNED = 0.1
SUPPORT_SHARE = 0.9  # "learns the support" / "with high probability": at least 90% of coordinates
# Prop. 6: the network fits when the loss falls at least tenfold; the irrelevant weights
# "do not decrease to zero" when ||W1[:, 1:]|| keeps at least half its init value.
FIT_FACTOR = 0.1
KEEP_SHARE = 0.5


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

"""The checklist rows of the synthetic experiments (E1-E5), decided on a run's data.

Input is the per-run final-state table (:func:`sgd_support.reporting.aggregate.final_states`)
of the synthetic runs; every statistic uses completed runs only (diverged runs get
their own row). One set of rows per (data set, model, init seed), each covering
every lr of the sweep: a row passes only if its claim holds at every lr.

Each row names where the paper makes the claim and for which networks. The paper
proves the plateau of GD and the batch-size ordering for linear networks only
(Sec. 2-3; App. J shows the GD argument fails for ReLU): on ReLU runs those rows are
still decided, with the scope "not claimed by the paper for ReLU networks", and the
ReLU networks' own, weaker claims are decided row by row
(:mod:`sgd_support.experiments.synthetic.relu_claims`).
Weight decay (Proposition 3) and the comparable loss (App. C) are claimed for both.
A FAIL carries ``why``: what in this run's numbers makes it fail.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd

from sgd_support.core.data.store import load_dataset
from sgd_support.core.storage import PARTITIONS
from sgd_support.experiments.synthetic.relu_claims import relu_claims
from sgd_support.experiments.synthetic.w1_rows import row_table
from sgd_support.reporting.aggregate import paper_final_states, read_final_states, sort_runs
from sgd_support.reporting.claims import Claim, combined, not_claimed_for, write_claims
from sgd_support.reporting.run_paths import dataset_paths

log = logging.getLogger(__name__)

# GD "plateaus" when its irrelevant norm changes by less than 2% over the last half
# of training (T/2 -> T, one doubling of the step count). At 2% per doubling,
# halving the norm would take log(0.5)/log(0.98) = 34 more doublings (> 1e10 x T
# steps) even if GD never slowed down further: it has stopped at any horizon one
# could train to. SGD at the same lr changes by 8-40% per doubling on the linear
# target, and the spread across order seeds (~0.01 of 3.6, 0.3%) is well below 2%.
PLATEAU_MAX_CHANGE = 0.02
# GD+wd drives the irrelevant norm below 1% of its initial value (the bar).
WD_MAX_RATIO = 0.01
# Full-data losses are "comparable" when SGD's and GD's differ by less than 2% of
# the loss of the zero predictor, mean(y^2): both fit the same share of the target
# to within 2 percentage points. Each run's loss is the median over the recorded
# steps in the last decade [T/10, T] (about per_decade points): the loss of SGD at
# lr 0.1 with small batches jumps between steps (single-sample updates), and a
# median over the late steps measures the level it fluctuates at, not one draw.
LOSS_MAX_EXCESS = 0.02
# What GD+wd's trend over the last half says (true by the update w -= lr (g + lambda w)):
# still falling, it has not reached its end point; stationary, the data gradient g on
# W1[:, r:] balances the decay term there; rising, g pulls W1[:, r:] outwards harder than
# the decay term pulls it in.
WD_TREND = {
    "still falling": ": it has not converged in this many steps",
    "stationary": (
        ": a fixed point where the data gradient on W1[:, r:] balances the decay term lambda*W1[:, r:]"
    ),
    "rising": ": the data gradient on W1[:, r:] outweighs the decay term lambda*W1[:, r:]",
}

# Where the paper shows each target's runs (E1-E3 of docs/experiments.md; staircase is not in the
# paper's text, only in the authors' notebooks).
TARGET_FIGURES = {
    "linear": "App. C.2, Fig. 3, 11",
    "sine": "App. C.3, Fig. 14",
    "staircase": "App. C.1 ('same behavior occurs with other classes of targets'; "
    "staircase: authors' notebooks)",
}
RELU_FIGURES = "App. C 'With ReLU Networks', Fig. 16"


def _context(runs: pd.DataFrame) -> tuple[bool, str, str]:
    """(is ReLU, the paper's figures for these runs, the networks' scope)."""
    relu = bool((runs.get("activation", pd.Series(["identity"])) == "relu").any())
    target = str(runs["target"].iloc[0]) if "target" in runs else ""
    figures = TARGET_FIGURES.get(target, "App. C")
    if relu:
        return True, f"{RELU_FIGURES}; {figures}", "ReLU networks"
    return False, figures, "linear networks"


def write_synthetic_claims(
    final_paths: list[str | os.PathLike],
    data_paths: list[str | os.PathLike],
    weight_paths: list[str | os.PathLike],
    out: str | os.PathLike,
) -> None:
    """Decide the rows on the synthetic runs' data and write them to ``out``.

    final_paths: per-run final states; data_paths: the data sets (``dataset=NAME.npz``),
    for the zero predictor's loss and the support; weight_paths: every run's weights,
    for the W1 row counts of the ReLU claims and each run's activation and target.
    """
    final = paper_final_states(read_final_states(final_paths))
    data = {name: load_dataset(path) for name, path in dataset_paths(data_paths).items()}
    zero = {name: float(np.mean(np.square(ds.y))) for name, ds in data.items()}
    rows = row_table(weight_paths, {name: ds.support for name, ds in data.items()})
    claims = synthetic_claims(final.merge(rows, on=list(PARTITIONS), how="left"), zero)
    write_claims(out, claims)
    for c in claims:
        log.info("%s %s: %s (%s)", c.experiment, c.claim, c.passed, c.measured)


def synthetic_claims(final: pd.DataFrame, zero_loss: dict[str, float]) -> list[Claim]:
    """All rows: four per (data set, model, init seed), then one counting diverged runs.

    final: per-run final states (columns of ``final_states``, with ``experiment``);
    zero_loss: data set -> mean(y^2), the MSE of predicting 0.
    """
    claims = []
    done = final[final["status"] == "completed"]
    for (dataset, model, init), runs in final.groupby(["dataset", "model", "init"], sort=False):
        experiment = runs["experiment"].iloc[0]
        where = f"{dataset} target, {model}, init seed {init}"
        ok = done[(done["dataset"] == dataset) & (done["model"] == model) & (done["init"] == init)]
        relu, figures, networks = _context(runs)
        # GD's plateau and the ordering are Theorem 1 / Proposition 1 results for linear networks
        linear_only = not_claimed_for("linear networks", "ReLU networks") if relu else networks
        rows = [
            _plateau(experiment, where, ok),
            _ordering(experiment, where, runs, ok),
            _weight_decay(experiment, where, ok, zero_loss[dataset]),
            _comparable_loss(experiment, where, ok, zero_loss[dataset]),
        ]
        places = (
            f"Sec. 3.1, Proposition 1; {figures}"
            + ("; App. J: the GD argument fails for ReLU" if relu else ""),
            f"Theorem 1, Sec. 2; {figures}",
            f"Proposition 3, Sec. 6; {figures}",
            f"App. C, opening ('vanilla GD achieves similar loss'); {figures}",
        )
        for row, place, scope in zip(rows, places, (linear_only, linear_only, networks, networks)):
            row.location, row.scope = place, scope
            if relu and row.passed is False and scope == linear_only:
                row.why += (
                    " For ReLU networks the paper claims only that some rows of W1[:, r:] shrink "
                    "(Sec. 6, App. I-J): see the ReLU rows below."
                )
        claims += rows
        if relu:
            claims += relu_claims(experiment, where, runs, ok, figures, zero_loss[dataset])
    claims.append(_diverged(final))
    return claims


def _lrs(runs: pd.DataFrame) -> list[str]:
    return sorted(runs["lr"].unique())


def _plateau(experiment: str, where: str, ok: pd.DataFrame) -> Claim:
    gd = ok[ok["kind"] == "gd"]
    measured, results, moving = [], [], []
    for lr in _lrs(gd):
        run = gd[gd["lr"] == lr].iloc[0]
        change = (run["half_irrelevant_norm"] - run["final_irrelevant_norm"]) / run["half_irrelevant_norm"]
        results.append(bool(abs(change) < PLATEAU_MAX_CHANGE))
        measured.append(
            f"lr {lr}: {run['half_irrelevant_norm']:.3f} at step {run['steps'] // 2} -> "
            f"{run['final_irrelevant_norm']:.3f} at {run['steps']} ({change:+.1%})"
        )
        if not results[-1]:
            moving.append(f"lr {lr}: {'falls' if change > 0 else 'grows'} by {abs(change):.1%}")
    why = ""
    if moving:
        why = (
            f"GD's irrelevant norm is still moving over the last half of training ({'; '.join(moving)}), "
            "see the irrelevant-norm figure."
        )
    return Claim(
        experiment,
        f"GD's irrelevant norm plateaus ({where})",
        f"relative change of ||W1[:, r:]|| over the last half of GD's training below "
        f"{PLATEAU_MAX_CHANGE:.0%} at every lr (2%/doubling: halving would take > 1e10 x T steps)",
        "; ".join(measured) or "no completed GD run",
        combined(results),
        why=why or ("" if results else "the sweep has no completed GD run"),
    )


def _ordering(experiment: str, where: str, runs: pd.DataFrame, ok: pd.DataFrame) -> Claim:
    measured, results, causes = [], [], []
    for lr in _lrs(runs):
        at_lr = sort_runs(runs[(runs["lr"] == lr) & runs["kind"].isin(["gd", "sgd"])])
        medians = ok[ok["lr"] == lr].groupby("label")["final_irrelevant_norm"].median()
        labels = list(dict.fromkeys(at_lr["label"]))  # GD first, then SGD from the largest batch down
        if len(labels) < 2 or any(lab not in medians for lab in labels):
            lost = [lab for lab in labels if lab not in medians]
            reason = f"lr {lr}: not decidable" + (
                f" (all runs of {', '.join(lost)} diverged)" if lost else ""
            )
            measured.append(reason)
            causes.append(reason)
            results.append(None)
            continue
        values = [medians[lab] for lab in labels]
        ordered = bool(np.all(np.diff(values) < 0))
        results.append(ordered)
        chain = " > ".join(f"{lab} {v:.3f}" for lab, v in zip(labels, values))
        measured.append(f"lr {lr}: {chain}" + ("" if ordered else " (NOT ordered)"))
        if not ordered:
            causes.append(f"lr {lr}: " + _inversions(labels, ok[ok["lr"] == lr]))
    return Claim(
        experiment,
        f"smaller batch, smaller final irrelevant norm ({where})",
        "median final ||W1[:, r:]|| across order seeds strictly decreasing from GD (b = n) "
        "through every SGD batch size to the smallest, at every lr",
        "; ".join(measured),
        combined(results),
        why="; ".join(causes),
    )


def _inversions(labels: list[str], at_lr: pd.DataFrame) -> str:
    """The neighbours whose medians are out of order, each with its range over order
    seeds, whether the ranges overlap (order-seed noise) or not (an inversion), and
    each one's median norm at T/2 and T: a norm that no longer falls has reached a
    floor, where the floor's level and not Theorem 1's rate orders the final norms."""
    norms = at_lr.groupby("label")["final_irrelevant_norm"]
    median, low, high = norms.median(), norms.min(), norms.max()
    half = at_lr.groupby("label")["half_irrelevant_norm"].median()
    parts = []
    for big, small in zip(labels, labels[1:]):
        if median[small] < median[big]:
            continue
        overlap = high[small] >= low[big] and high[big] >= low[small]
        parts.append(
            f"{small} [{low[small]:.3f}, {high[small]:.3f}] not below {big} [{low[big]:.3f}, {high[big]:.3f}]"
            + (" (ranges overlap: within the order-seed spread)" if overlap else " (ranges apart)")
            + f"; T/2 -> T: {small} {half[small]:.3f} -> {median[small]:.3f}, {big} {half[big]:.3f} -> "
            f"{median[big]:.3f}"
        )
    return "; ".join(parts) + " (final norm, min-max over order seeds; medians at T/2 and T)"


def _weight_decay(experiment: str, where: str, ok: pd.DataFrame, zero: float) -> Claim:
    wd = ok[ok["kind"] == "gd_wd"]
    measured, results, kept = [], [], []
    for lr in _lrs(wd):
        run = wd[wd["lr"] == lr].iloc[0]
        ratio = run["final_irrelevant_norm"] / run["init_irrelevant_norm"]
        results.append(bool(ratio < WD_MAX_RATIO))
        measured.append(
            f"lr {lr}: {run['init_irrelevant_norm']:.3f} -> {run['final_irrelevant_norm']:.2e} "
            f"after {run['steps']} steps ({ratio:.2e} of init; "
            f"relevant norm {run['final_relevant_norm']:.3g})"
        )
        if not results[-1]:
            gd = ok[(ok["lr"] == lr) & (ok["kind"] == "gd")]["late_loss_q50"]
            change = run["final_irrelevant_norm"] / run["half_irrelevant_norm"] - 1
            trend = (
                "stationary"
                if abs(change) < PLATEAU_MAX_CHANGE
                else "rising"
                if change > 0
                else "still falling"
            )
            kept.append(
                f"lr {lr}: GD+wd keeps {ratio:.1%} of the init's irrelevant norm after {run['steps']} steps, "
                f"{trend} over the last half (T/2 -> T: {run['half_irrelevant_norm']:.3g} -> "
                f"{run['final_irrelevant_norm']:.3g}), at full-data loss {run['final_full_loss']:.4g} = "
                f"{run['final_full_loss'] / zero:.2f} of mean(y^2)"
                + (f" (GD: {gd.median():.4g})" if len(gd) else "")
                + WD_TREND[trend]
            )
    why = "; ".join(kept) + " (see the irrelevant-norm figure)" if kept else ""
    return Claim(
        experiment,
        f"GD with weight decay drives the irrelevant norm to zero ({where})",
        f"final ||W1[:, r:]|| of GD+wd below {WD_MAX_RATIO:.0%} of its initial value at every lr",
        "; ".join(measured) or "no completed GD+wd run",
        combined(results),
        why=why or ("" if results else "the sweep has no completed GD+wd run"),
    )


def _comparable_loss(experiment: str, where: str, ok: pd.DataFrame, zero: float) -> Claim:
    measured, results, floors = [], [], []
    for lr in _lrs(ok):
        at_lr = sort_runs(ok[ok["lr"] == lr])
        gd = at_lr[at_lr["kind"] == "gd"]
        sgd = at_lr[at_lr["kind"] == "sgd"]
        if gd.empty or sgd.empty:
            measured.append(f"lr {lr}: not decidable (needs GD and SGD runs)")
            floors.append(f"lr {lr}: the sweep needs GD and SGD runs")
            results.append(None)
            continue
        reference = gd["late_loss_q50"].median()
        parts, close, gaps = [], [], []
        for label, group in sgd.groupby("label", sort=False):
            loss = group["late_loss_q50"].median()
            excess = (loss - reference) / zero
            results.append(bool(abs(excess) < LOSS_MAX_EXCESS))
            parts.append(f"{label} {loss:.4f} ({excess:+.2%})")
            (close if results[-1] else gaps).append(
                label if results[-1] else _loss_gap(lr, label, group, reference)
            )
        if gaps:
            floors += gaps[:-1] + [
                gaps[-1] + (f"; within {LOSS_MAX_EXCESS:.0%}: {', '.join(close)}" if close else "")
            ]
        measured.append(f"lr {lr}: GD {reference:.4f}; " + ", ".join(parts))
    return Claim(
        experiment,
        f"GD and SGD reach comparable full-data loss ({where})",
        f"|L_SGD - L_GD| / mean(y^2) below {LOSS_MAX_EXCESS:.0%} for every batch size and lr, L = median "
        f"over order seeds of each run's median loss over its last decade of steps [T/10, T] "
        f"(robust to SGD-1's spikes); mean(y^2) = {zero:.4f} is the zero predictor's loss",
        "; ".join(measured) or "no completed run",
        combined(results),
        why="; ".join(floors),
    )


def _loss_gap(lr: str, label: str, group: pd.DataFrame, reference: float) -> str:
    """Why one batch size's late loss is not GD's: a level above GD's through the whole
    last decade of steps (a noise floor of the stochastic steps), one below it (SGD
    fits better than GD), or ranges that meet with medians apart."""
    low, high = group["late_loss_q10"].median(), group["late_loss_q90"].median()
    spread = (
        f"over the last decade of steps its 10-90% range is {low:.4g}-{high:.4g} (median over order seeds)"
    )
    if low > reference:
        return (
            f"lr {lr}: {label}'s full-data loss stays above GD's {reference:.4g}: {spread}, above GD "
            "throughout (loss panel of the irrelevant-norm figure)"
        )
    if high < reference:
        return f"lr {lr}: {label} fits better than GD ({reference:.4g}): {spread}, below GD throughout"
    return f"lr {lr}: {label}'s late loss ranges around GD's {reference:.4g} ({spread}) with its median apart"


def _diverged(final: pd.DataFrame) -> Claim:
    bad = final[final["status"] != "completed"]
    listed = [
        f"{r.dataset}/{r.model}/{r.label}/lr {r.lr}/init {r.init}/order {r.order} at step {r.diverged_step}"
        for r in bad.head(10).itertuples()
    ]
    more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
    return Claim(
        ", ".join(sorted(set(final["experiment"]))),
        "every run trains stably at the paper's settings (none diverges)",
        "number of runs whose loss became non-finite or whose weights exceeded the divergence bound; "
        "they are left out of every statistic above",
        f"{len(bad)} of {len(final)} runs diverged" + (": " + "; ".join(listed) + more if listed else ""),
        len(bad) == 0,
        location="App. C (the paper trains every run of its grid to the end)",
        scope="pipeline",
        why=(
            f"{len(bad)} runs stopped with a non-finite loss or weights beyond the bound (listed)"
            if len(bad)
            else ""
        ),
    )

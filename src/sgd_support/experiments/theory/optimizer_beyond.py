"""E13's rows beyond the paper (scope "not claimed by the paper"): does E1's batch-size
ordering survive momentum, does momentum at lr eta act like plain SGD at eta / (1 - beta),
and does Adam's first layer select the support (without weight decay, with L2, AdamW)?
Built like the paper's rows (:mod:`sgd_support.experiments.theory.optimizer_claims`)."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from sgd_support.experiments.theory.optimizer_claims import EXPERIMENT, group_by, lacks, networks, table_row
from sgd_support.experiments.theory.optimizers import OptRun, final_common, log_ratio_interval, partner
from sgd_support.reporting.claims import Claim, not_claimed_for

# Momentum at lr eta "acts like" plain SGD at eta / (1 - beta) when the paired ratio of final
# norms has its 95% interval inside [1/1.1, 1.1]: 10x the order-seed spread of E1's final
# norms (~1%) and below the step between neighbouring batch sizes (~1.2x, b = 32 vs 128).
EFFECTIVE_LR_BAND = 1.1
# Adam selects the support: its final irrelevant norm <= 0.1 of its start and of the relevant norm
SELECT = 0.1


def _final_by_batch(group: list[OptRun]) -> dict[int, float]:
    by = defaultdict(list)
    for run in group:
        by[run.batch].append(run.final())
    return {b: float(np.median(v)) for b, v in sorted(by.items())}


def momentum_claims(runs: list[OptRun]) -> tuple[list[Claim], list[dict]]:
    """Beyond the paper: does the batch-size ordering of the final irrelevant norm survive
    momentum, and does momentum at lr eta act like plain SGD at eta / (1 - beta)?"""
    location = "beyond the paper (issue 24)"
    order_claim = "With momentum, the smaller the batch the smaller the final irrelevant norm (E1's ordering)"
    order_criterion = (
        "medians over seeds of the final ||W1[:, r:]|| strictly increase with the batch size (>= 2 sizes)"
    )
    lr_claim = "SGD with momentum beta at lr eta ends like plain SGD at the effective lr eta / (1 - beta)"
    lr_criterion = (
        "paired ratio of final ||W1[:, r:]|| (momentum / plain at eta / (1 - beta); same init, order "
        "and batch) "
        f"has its 95% interval inside [1/{EFFECTIVE_LR_BAND}, {EFFECTIVE_LR_BAND}] at every batch size"
    )
    chosen = [
        r
        for r in runs
        if r.status == "completed"
        and r.batch is not None
        and r.axis["momentum"] > 0
        and r.axis["adam"] is None
    ]
    if not chosen:
        scope = not_claimed_for("linear networks", "SGD with momentum")
        return [
            lacks(order_claim, location, scope, order_criterion, "SGD with momentum > 0"),
            lacks(lr_claim, location, scope, lr_criterion, "SGD with momentum > 0"),
        ], []
    scope = not_claimed_for(networks(chosen), "SGD with momentum")
    table, order_parts, broken = [], [], []
    for (pair, lr, beta), group in group_by(chosen, lambda r: (r.pair, r.lr, r.axis["momentum"])).items():
        medians = _final_by_batch(group)
        for b, value in medians.items():
            table.append(
                {
                    "row": "momentum ordering",
                    "dataset": pair[0],
                    "model": pair[1],
                    "lr": lr,
                    "setting": f"SGD-{b} momentum {beta:g}",
                    "statistic": "median final irrelevant norm",
                    "value": value,
                }
            )
        text = " < ".join(f"b={b} {v:.4g}" for b, v in medians.items())
        order_parts.append(f"{pair[0]} lr {lr:g} beta {beta:g}: {text}")
        values = list(medians.values())
        if len(values) < 2:
            broken.append(f"{pair[0]} beta {beta:g}: one batch size only")
        elif not all(a < b for a, b in zip(values, values[1:])):
            broken.append(
                f"{pair[0]} lr {lr:g} beta {beta:g}: the medians are not increasing in b "
                f"({text.replace(' < ', ', ')})"
            )
    order_passed = None if broken and all("one batch size" in m for m in broken) else not broken
    order = Claim(
        EXPERIMENT,
        order_claim,
        order_criterion,
        "; ".join(order_parts),
        order_passed,
        location,
        scope,
        "; ".join(broken),
    )

    ratios = defaultdict(list)
    for run in chosen:
        beta = run.axis["momentum"]
        plain = partner(run, runs, lr=run.lr / (1 - beta), momentum=0.0, nesterov=False)
        if plain is not None:
            _, mine, theirs = final_common(run, plain)
            ratios[(run.pair, run.lr, run.label)].append(mine / theirs)
    if not ratios:
        return [
            order,
            lacks(
                lr_claim,
                location,
                scope,
                lr_criterion,
                "plain SGD at lr / (1 - momentum) beside the momentum runs",
            ),
        ], table
    parts, misses = [], []
    for (pair, lr, label), values in ratios.items():
        centre, low, high = log_ratio_interval(values)
        parts.append(
            f"{pair[0]} lr {lr:g} {label}: ratio {centre:.3g} [{low:.3g}, {high:.3g}] ({len(values)} pairs)"
        )
        table.append(
            {
                "row": "momentum effective lr",
                "dataset": pair[0],
                "model": pair[1],
                "lr": lr,
                "setting": label,
                "statistic": "ratio to plain SGD at lr/(1-beta)",
                "value": centre,
            }
        )
        if not (low >= 1 / EFFECTIVE_LR_BAND and high <= EFFECTIVE_LR_BAND):
            where = "no interval (one pair)" if math.isnan(low) else f"interval [{low:.3g}, {high:.3g}]"
            side = "smaller" if centre < 1 else "larger"
            misses.append(
                f"{label} on {pair[0]}: {where} leaves the band; momentum ends {side} (ratio {centre:.3g})"
            )
    effective = Claim(
        EXPERIMENT, lr_claim, lr_criterion, "; ".join(parts), not misses, location, scope, "; ".join(misses)
    )
    return [order, effective], table


ADAM_VARIANTS = (
    ("no weight decay", "Adam without weight decay selects the support in the first layer"),
    (
        "L2 (Adam)",
        "Adam with L2 weight decay (coupled into the gradient) selects the support in the first layer",
    ),
    ("decoupled (AdamW)", "AdamW (decoupled weight decay) selects the support in the first layer"),
)


def adam_variant(axis: dict) -> str:
    if axis["weight_decay"] == 0:
        return ADAM_VARIANTS[0][0]
    return ADAM_VARIANTS[2][0] if axis["adam"]["decoupled"] else ADAM_VARIANTS[1][0]


def adam_claims(runs: list[OptRun]) -> tuple[list[Claim], list[dict]]:
    """Beyond the paper: does Adam's first layer select the support, without weight decay,
    with L2 weight decay (Adam) and with decoupled weight decay (AdamW)?"""
    location = "beyond the paper (issue 24)"
    criterion = (
        f"every run ends with ||W1[:, r:]|| <= {SELECT:g} x its initial value and <= {SELECT:g} x the "
        "relevant norm ||W1[:, :r]|| (an order of magnitude below both)"
    )
    chosen = [r for r in runs if r.status == "completed" and r.axis["adam"] is not None]
    scope = not_claimed_for(networks(chosen) if chosen else "linear networks", "Adam")
    claims, table = [], []
    for variant, claim in ADAM_VARIANTS:
        group = [r for r in chosen if adam_variant(r.axis) == variant]
        if not group:
            claims.append(lacks(claim, location, scope, criterion, f"Adam runs, {variant}"))
            continue
        parts, misses = [], []
        for run in group:
            to_init, to_relevant = run.final() / run.at(0), run.final() / run.final("relevant_norm")
            table += [
                table_row("Adam", run, run.label, "final / initial irrelevant norm", to_init),
                table_row("Adam", run, run.label, "final irrelevant / relevant norm", to_relevant),
            ]
            parts.append(
                f"{run.pair[0]} {run.label} lr {run.lr:g}: /init {to_init:.3g}, /relevant {to_relevant:.3g}"
            )
            if not (to_init <= SELECT and to_relevant <= SELECT):
                miss = (
                    f"{run.label} (lr {run.lr:g}, seeds {'/'.join(run.seeds)}) keeps {to_init:.3g} of its "
                    f"initial irrelevant norm, {to_relevant:.3g} of the relevant norm"
                )
                if variant == ADAM_VARIANTS[2][0]:  # what the decoupled decay alone leaves, to compare
                    alone = (1 - run.lr * run.axis["weight_decay"]) ** run.steps
                    miss += f" (the decoupled decay alone, (1 - lr wd)^{run.steps}, leaves {alone:.3g})"
                misses.append(miss)
        claims.append(
            Claim(
                EXPERIMENT, claim, criterion, "; ".join(parts), not misses, location, scope, "; ".join(misses)
            )
        )
    return claims, table


def beyond_claims(runs: list[OptRun]) -> tuple[list[Claim], list[dict]]:
    """The momentum rows, then the Adam rows, and their table rows."""
    momentum, momentum_rows = momentum_claims(runs)
    adam, adam_rows = adam_claims(runs)
    return momentum + adam, momentum_rows + adam_rows

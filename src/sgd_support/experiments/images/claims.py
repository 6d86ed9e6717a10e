"""E7's claim rows: Proposition 5 (never-lit pixels keep their W1 columns) and the
focus concentration over batch sizes (Sec. 5.2, Fig. 5), per lr over order seeds."""

from __future__ import annotations

import numpy as np

from sgd_support.experiments.images import focus_order
from sgd_support.reporting.claims import Claim

PROP5 = dict(
    location="Proposition 5, App. F.1 (proof App. K.1)",
    scope="images (stated for linear networks; a never-lit pixel's W1 column gets no gradient in any MLP)",
)
FOCUS = dict(location="Sec. 5.2, Fig. 2, 5", scope="images")


def prop5_claim(runs: list[dict], changes: list[float], dead: np.ndarray, label: str, note: str) -> Claim:
    """Proposition 5: the W1 columns of never-lit pixels are bitwise unchanged by every
    completed run without weight decay (``changes``: each run's largest change there)."""
    claim = f"{label}: W1 columns of never-lit pixels do not change without weight decay (Proposition 5)"
    criterion = (
        "max |W1_end - W1_init| over those columns == 0 exactly (bitwise), every run without weight decay"
    )
    plain = [(r, c) for r, c in zip(runs, changes) if r["weight_decay"] == 0]
    if not dead.any() or not plain:
        measured = f"no never-lit pixel or no completed run without weight decay{note}"
        return Claim("E7", claim, criterion, measured, None, **PROP5, why="the sweep has no data for it")
    worst = max(c for _, c in plain)
    wd = [f"{r['name']}: {c:.3g}" for r, c in zip(runs, changes) if r["weight_decay"] > 0]
    measured = (
        f"{int(dead.sum())} of {dead.size} pixels never lit in the training images; largest change "
        f"over {len(plain)} runs without weight decay (all order seeds): {worst:.3g}"
        + (f"; with weight decay (not covered): {', '.join(wd)}" if wd else "")
        + note
    )
    passed = worst == 0.0
    why = "" if passed else "a run without wd moved a never-lit column (metrics.tsv: never_lit_max_change)"
    return Claim("E7", claim, criterion, measured, passed, **PROP5, why=why)


def focus_claims(runs: list[dict], shares: list[float], label: str, data_size: int, note: str) -> list[Claim]:
    """ "The smaller the batch, the more concentrated the focus map", per lr, over order
    seeds: over SGD's batch sizes (the paper's range: SGD-32 against SGD-2k), and with
    GD added as the data size."""
    criterion = (
        "per batch size, the median over order seeds of the effective pixel share (participation "
        "ratio of squared W1 column norms / pixels; 1 = spread evenly, smaller = concentrated) "
        "strictly increases with the batch size, and Spearman's rho of share vs batch over all "
        f"runs > 0 at one-sided p < {focus_order.ALPHA}; "
        "runs without weight decay at one lr"
    )
    rows = []
    for lr in sorted({r["lr"] for r in runs}):
        at_lr = [
            (r["effective_batch"], s)
            for r, s in zip(runs, shares)
            if r["lr"] == lr and r["weight_decay"] == 0
        ]
        for with_gd in (False, True):
            chosen = [(b, s) for b, s in at_lr if with_gd or b < data_size]
            if with_gd and all(b < data_size for b, _ in chosen):
                continue  # no GD run: the first row says it all
            batches, values = np.array([b for b, _ in chosen]), np.array([s for _, s in chosen])
            bands = focus_order.share_bands(batches, values)
            rho, p = focus_order.rank_test(batches, values)
            passed = focus_order.decide(bands, rho, p)
            scope = "SGD and GD (= the data size)" if with_gd else "SGD batch sizes (the paper's range)"
            rows.append(
                Claim(
                    "E7",
                    f"{label}: the smaller the batch, the more concentrated the focus map; {scope}; lr {lr}",
                    criterion,
                    focus_order.describe(bands, rho, p, data_size) + note,
                    passed,
                    **FOCUS,
                    why="" if passed else focus_order.explain(bands, rho, p, data_size),
                )
            )
    return rows

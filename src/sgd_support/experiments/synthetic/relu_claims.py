"""The ReLU networks' own checklist rows (E5): the paper's weaker claims, row by row.

Sec. 6 and App. I-J: for a ReLU network the update of ``W1[:, r:]`` has a second
term, ``D^x W2^T (residual) x[r:]^T``, that no longer averages out, because the
activation pattern ``D^x`` differs between data points. So the paper does not claim
that the whole irrelevant norm shrinks. It claims that *some* rows of ``W1`` (first-
layer neurons) shrink as in the linear case while rows whose neuron is active on
inputs with unbalanced irrelevant components may grow (App. C "With ReLU Networks",
Fig. 16: "SGD with lower batch sizes picks up the support more confidently"); and
that with weight decay all of them go (Proposition 3: decided by the weight-decay
row every synthetic model gets).

Input: the synthetic final-state rows of one (data set, model, init seed) with the
row counts of :mod:`sgd_support.experiments.synthetic.w1_rows` (``n_rows``, ``rows_halved``, ``rows_grown``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sgd_support.experiments.synthetic.w1_rows import ROW_SHRUNK
from sgd_support.reporting.aggregate import sort_runs
from sgd_support.reporting.claims import Claim, combined

ROW_COLUMNS = ("n_rows", "rows_halved", "rows_grown")


def relu_claims(
    experiment: str, where: str, runs: pd.DataFrame, ok: pd.DataFrame, figures: str, zero: float
) -> list[Claim]:
    """Two rows: some rows shrink under every SGD batch size; more of them the smaller
    the batch. ``runs``: every run of the group, ``ok``: its completed runs, ``zero``:
    mean(y^2) (the residual a FAIL's reason is measured against), ``figures``: where the
    paper shows these runs."""
    some = Claim(
        experiment,
        f"ReLU: without weight decay some rows of W1[:, r:] shrink as in the linear case, others may "
        f"grow ({where})",
        f"for every SGD batch size and lr, the median over order seeds of the number of W1 rows whose "
        f"irrelevant norm ||W1[i, r:]|| ends below {ROW_SHRUNK:.0%} of its init value is >= 1",
        "",
        None,
        location=f"Sec. 6, App. I-J; {figures}",
        scope="ReLU networks",
    )
    more = Claim(
        experiment,
        "ReLU: smaller batches pick up the support more confidently: more rows of W1[:, r:] shrink "
        f"({where})",
        "median number of halved rows non-decreasing from GD through SGD's batch sizes to the smallest, "
        "and larger at the smallest batch than under GD, at every lr",
        "",
        None,
        location="App. C 'With ReLU Networks' ('SGD with lower batch sizes picks up the support more "
        "confidently'), Fig. 16; Sec. 6",
        scope="ReLU networks",
    )
    if not set(ROW_COLUMNS) <= set(ok.columns) or ok.empty:
        some.measured = more.measured = "no W1 row counts for these runs (needs their weights)"
        some.why = more.why = some.measured
        return [some, more]
    some_results, more_results, counts, lows, inversions, residuals = [], [], [], [], [], []
    for lr in sorted(runs["lr"].unique()):
        at_lr = sort_runs(ok[(ok["lr"] == lr) & ok["kind"].isin(["gd", "sgd"])])
        stats = at_lr.groupby("label", sort=False).agg(
            halved=("rows_halved", "median"),
            grown=("rows_grown", "median"),
            width=("n_rows", "first"),
            loss=("late_loss_q50", "median"),
        )
        residuals.append(
            f"lr {lr}: " + ", ".join(f"{lab} {s.loss / zero:.3f}" for lab, s in stats.iterrows())
        )
        counts.append(
            f"lr {lr}: "
            + ", ".join(
                f"{lab} {s.halved:g} halved / {s.grown:g} grown of {s.width:g}" for lab, s in stats.iterrows()
            )
        )
        sgd = stats.loc[at_lr.loc[at_lr["kind"] == "sgd", "label"].unique()]
        if sgd.empty:
            some_results.append(None)
            more_results.append(None)
            continue
        some_results.append(bool((sgd["halved"] >= 1).all()))
        lows += [f"lr {lr}: {lab} halves no row" for lab in sgd.index[sgd["halved"] < 1]]
        if not (at_lr["kind"] == "gd").any():
            more_results.append(None)
            continue
        chain = stats["halved"].to_numpy()
        rises = bool(np.all(np.diff(chain) >= 0) and chain[-1] > chain[0])
        more_results.append(rises)
        if not rises:
            inversions.append(
                f"lr {lr}: " + " -> ".join(f"{lab} {v:g}" for lab, v in stats["halved"].items())
            )
    some.measured = more.measured = "; ".join(counts)
    some.passed, more.passed = combined(some_results), combined(more_results)
    # Sec. 6: a row shrinks as in the linear case where its neuron's residual times
    # irrelevant input, (f(x) - y) x[r:], is small, i.e. once the target is fitted
    residual = (
        f". Sec. 6 ties a row's fate to the residual: late full-data loss / mean(y^2) "
        f"{'; '.join(residuals)} (rows shrink as in the linear case where (f(x) - y) x[r:] is small "
        f"on the neuron's inputs; where it is not they may grow)"
    )
    if some.passed is False:
        some.why = "; ".join(lows) + " (row counts in 'measured'; W1 rows in the W1/Gram figure)" + residual
    if more.passed is False:
        more.why = (
            "halved rows (median over order seeds) do not rise as the batch shrinks: "
            + "; ".join(inversions)
            + " (W1/Gram figure)"
            + residual
        )
    for claim in (some, more):
        if claim.passed is None:
            claim.why = "the sweep needs SGD runs (and GD for the second row) at every lr"
    return [some, more]

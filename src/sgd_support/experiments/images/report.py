"""E7's outputs for one (image data set, model): W1 eigenvalue histograms, focus maps,
a test-metrics table, the focus shares over order seeds and the claim rows
(Proposition 5, focus concentration).

The runs are every order seed of the pair's first init seed. Figures and the table
show each (optimizer, lr, batch)'s first order seed; the claims use every seed.
"""

from __future__ import annotations

import logging

from sgd_support.experiments.images.analysis import (
    column_change,
    effective_pixel_share,
    focus_map,
    never_lit,
)
from sgd_support.experiments.images.claims import focus_claims, prop5_claim
from sgd_support.experiments.images.figures import eigen_histograms, focus_share_plot, image_panels
from sgd_support.experiments.images.runs import (
    eigen_panels,
    load_figure_inputs,
    log_results,
    metrics_table,
    title,
    write_tables,
)
from sgd_support.reporting.claims import write_claims

log = logging.getLogger(__name__)


def first_seeds(runs: list[dict]) -> list[dict]:
    """The figures' runs: per (optimizer, lr, batch) the one of the smallest order seed."""
    chosen = {}
    for run in sorted(runs, key=lambda r: int(r["order"])):
        chosen.setdefault((run["optimizer"], run["lr"], run["batch"]), run)
    keep = {id(run) for run in chosen.values()}  # runs hold arrays: compare by identity
    return [r for r in runs if id(r) in keep]


def write_e7(
    data_path: str,
    weights: list[str],
    trajectories: list[str],
    *,
    histograms: str,
    focus: str,
    shares: str,
    table: str,
    table_tsv: str,
    claims: str,
) -> None:
    """Read the runs (``weights`` and ``trajectories`` in the same order) and write
    every E7 output to the paths given."""
    data, all_runs, label, many_lrs = load_figure_inputs(data_path, weights, trajectories)
    runs = first_seeds(all_runs)
    dead = never_lit(data.x)

    def share(w1):
        return effective_pixel_share(focus_map(w1, data.image_shape))

    eigen_histograms(eigen_panels(runs, many_lrs), histograms)
    image_panels(
        [("focus of W1 at init", focus_map(runs[0]["w_init"], data.image_shape))]
        + [(f"{title(r, many_lrs)} focus of W1", focus_map(r["w_end"], data.image_shape)) for r in runs],
        focus,
    )
    metrics = metrics_table(
        runs,
        lambda w_init, w1: {
            "effective_pixel_share": share(w1),
            "never_lit_max_change": column_change(w_init, w1, dead),
        },
    )
    write_tables(metrics, f"E7 test metrics: {label}", table, table_tsv)
    done = [r for r in all_runs if r["last"]["status"] == "completed"]
    skipped = len(all_runs) - len(done)
    note = f"; {skipped} diverged run(s) left out" if skipped else ""
    done_shares = [share(r["w_end"]) for r in done]
    focus_share_plot(done, done_shares, share(runs[0]["w_init"]), data.n, shares)
    changes = [column_change(r["w_init"], r["w_end"], dead) for r in done]
    rows = [prop5_claim(done, changes, dead, label, note)]
    rows += focus_claims(done, done_shares, label, data.n, note)
    write_claims(claims, rows)
    log_results(log, rows, metrics)

"""E9's outputs for one features data set and head model: W1 eigenvalue histograms and
the Gram matrix in W1's SVD basis at init and after each run (gold = the run with
weight decay; SGD with small and large batches), an accuracy table and a claim row.
The runs are read, drawn and tabled as E7's are (``experiments/images``)."""

from __future__ import annotations

import logging

from sgd_support.experiments.head.claims import THRESHOLD_SHARE, e9_claim
from sgd_support.experiments.images.analysis import count_above, gram_eigenvalues, svd_basis_gram
from sgd_support.experiments.images.figures import eigen_histograms, image_panels
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


def write_e9(
    data_path: str,
    weights: list[str],
    trajectories: list[str],
    *,
    histograms: str,
    svd_gram: str,
    table: str,
    table_tsv: str,
    claims: str,
) -> None:
    """Read the runs (``weights`` and ``trajectories`` in the same order) and write
    every E9 output to the paths given."""
    _, runs, label, many_lrs = load_figure_inputs(data_path, weights, trajectories)
    init_w = runs[0]["w_init"]
    threshold = THRESHOLD_SHARE * float(gram_eigenvalues(init_w).mean())
    eigen_histograms(eigen_panels(runs, many_lrs), histograms)
    image_panels(
        [("|V^T W1^T W1| at init", svd_basis_gram(init_w))]
        + [(f"|V^T W1^T W1| after {title(r, many_lrs)}", svd_basis_gram(r["w_end"])) for r in runs],
        svd_gram,
        xlabel="feature",
        ylabel="singular direction (largest first)",
    )
    metrics = metrics_table(
        runs, lambda _, w1: {"eigenvalues_above": count_above(gram_eigenvalues(w1), threshold)}
    )
    write_tables(metrics, f"E9 head accuracy: {label}", table, table_tsv)
    claim = e9_claim(metrics, runs, threshold, label)
    write_claims(claims, [claim])
    log_results(log, [claim], metrics)

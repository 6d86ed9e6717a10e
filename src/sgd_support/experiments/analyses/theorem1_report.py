"""The E10 Theorem 1 per-step target: the measurement from the GD runs' saved
weights, with the claims, figure, page and caption paragraph."""

from __future__ import annotations

import os

import pandas as pd

from sgd_support.core.data.store import load_dataset
from sgd_support.core.storage import read_weights
from sgd_support.experiments.analyses.figures import plot_theorem1
from sgd_support.experiments.analyses.report import ReportPaths, write_report
from sgd_support.experiments.analyses.theorem1 import analyse, theorem1_claims
from sgd_support.experiments.analyses.theorem1_first_layer import analyse_first_layer, first_layer_claim
from sgd_support.reporting.run_paths import coordinates, dataset_paths
from sgd_support.reporting.tables import write_parquet

TITLE = "E10: Theorem 1 per step from saved weights"


def write_theorem1(
    weights: list[str | os.PathLike],
    data: list[str | os.PathLike],
    settings: dict,
    table_path: str | os.PathLike,
    fits_path: str | os.PathLike,
    paths: ReportPaths,
    first_layer_path: str | os.PathLike | None = None,
) -> None:
    """Measure from the snapshots of every GD run (``weights``: their weights.parquet,
    one per data set and linear network; ``data``: their ``dataset=NAME.npz`` files) with
    the config's ``theorem1`` ``settings``, and decide one claim per (data set, model);
    then the same with W~ frozen (:mod:`theorem1_first_layer`: one more claim per pair,
    its cells in ``first_layer_path`` when given)."""
    datasets = {name: load_dataset(path) for name, path in dataset_paths(data).items()}
    records = [{**coordinates(p), "snapshots": read_weights(p)} for p in weights]
    table, fits, curves = analyse(records, datasets, settings)
    pairs = sorted({(r["dataset"], r["model"]) for r in records})
    claims = theorem1_claims(pairs, fits, table)
    first_cells, first_fits = (
        analyse_first_layer(records, datasets, settings, table)
        if len(table)
        else (
            pd.DataFrame(),
            pd.DataFrame(),
        )
    )
    claims += [first_layer_claim(dataset, model, first_fits) for dataset, model in pairs]
    write_parquet(table, table_path)
    write_parquet(fits, fits_path)
    if first_layer_path is not None:
        write_parquet(first_cells, first_layer_path)
    write_report(
        paths,
        TITLE,
        [
            ("fits", fits),
            ("cells", table),
            ("W~ frozen: fits", first_fits),
            ("W~ frozen: cells", first_cells),
        ],
        claims,
        f"This run: {len(records)} GD run(s), snapshots at steps {settings['snapshots']}, lr "
        f"{settings['lrs']}, b {settings['batches']}, k = {settings['steps']} steps, "
        f"{settings['orders']} order pairs (each order and its reverse); with W~ frozen: one epoch at eta*a "
        f"{settings['first_layer_eta_a']}.",
        (lambda path: plot_theorem1(table, fits, curves, path)) if len(table) else None,
    )

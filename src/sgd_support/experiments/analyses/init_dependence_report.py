"""The E11 target: init-dependence statistics per setting of runs from their first
layers, with the claims, figure, page and caption paragraph."""

from __future__ import annotations

import os

from sgd_support.core.data.store import load_dataset
from sgd_support.experiments.analyses.figures import plot_init_dependence
from sgd_support.experiments.analyses.init_dependence import (
    init_dependence_claims,
    init_dependence_table,
    load_records,
)
from sgd_support.experiments.analyses.report import ReportPaths, write_report
from sgd_support.experiments.analyses.runs import SETTING
from sgd_support.reporting.run_paths import dataset_paths
from sgd_support.reporting.tables import write_parquet

TITLE = "E11: dependence on the init by batch size"
# The columns the page shows, in this order (the Parquet table has them all)
SHOWN = [
    *SETTING,
    "n_inits",
    "n_runs",
    "n_diverged",
    "cos_init",
    "cos_init_std",
    "rel_dist",
    "rel_dist_std",
    "gram_agreement",
    "gram_agreement_init",
    "block_share",
    "block_share_std",
    "block_share_init",
]


def write_init_dependence(
    weights: list[str | os.PathLike],
    data: list[str | os.PathLike],
    table_path: str | os.PathLike,
    paths: ReportPaths,
    min_inits: int = 2,
) -> None:
    """The statistics of every setting (``weights``: the runs' weights.parquet; ``data``:
    their ``dataset=NAME.npz`` files, for the supports) and the claims on the settings
    with at least ``min_inits`` init seeds. With none such it still writes every
    output: the table (what there is), a figure saying what is missing and claims
    with ``passed=None``."""
    supports = {name: load_dataset(path).support for name, path in dataset_paths(data).items()}
    table = init_dependence_table(load_records(weights), supports)
    write_parquet(table, table_path)
    claims = init_dependence_claims(table, min_inits)
    enough = table[table["n_inits"] >= min_inits]
    n_inits = int(table["n_inits"].max()) if len(table) else 0
    write_report(
        paths,
        TITLE,
        [("per setting", table.reindex(columns=SHOWN))],
        claims,
        f"This run: {len(table)} settings (dataset, model, optimizer, lr, batch), up to "
        f"{n_inits} init seed(s) each; values are means over a setting's completed runs.",
        None if enough.empty else lambda path: plot_init_dependence(enough, path),
    )

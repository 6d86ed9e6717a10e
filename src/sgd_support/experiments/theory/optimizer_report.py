"""E13's outputs from the runs' trajectory files and the data files (named
``.../dataset=NAME.npz``, as the data rule writes them): the claims with their long
table (rule theory_optimizers) and one figure per panel (rule theory_optimizers_figure)."""

from __future__ import annotations

import logging
import os

import pandas as pd

from sgd_support.core.atomic import atomic_path
from sgd_support.core.data.store import load_dataset
from sgd_support.experiments.theory.optimizer_beyond import beyond_claims
from sgd_support.experiments.theory.optimizer_claims import paper_claims
from sgd_support.experiments.theory.optimizer_figures import draw_panel
from sgd_support.experiments.theory.optimizers import load_runs
from sgd_support.reporting.claims import write_claims
from sgd_support.reporting.run_paths import dataset_name

log = logging.getLogger(__name__)

TABLE_COLUMNS = ["row", "dataset", "model", "lr", "setting", "statistic", "value"]


def write_optimizer_claims(
    trajectories: list[str | os.PathLike],
    data: list[str | os.PathLike],
    table_path: str | os.PathLike,
    claims_path: str | os.PathLike,
) -> None:
    """E13's claim rows (Parquet) and the numbers they rest on (TSV, one per line)."""
    datasets = {dataset_name(p): load_dataset(p) for p in data}
    arrays = {name: (ds.x, ds.y, ds.support) for name, ds in datasets.items()}
    runs = load_runs(trajectories)
    claims, rows = paper_claims(runs, arrays)
    beyond, beyond_rows = beyond_claims(runs)
    claims, rows = claims + beyond, rows + beyond_rows
    with atomic_path(table_path) as tmp:
        pd.DataFrame(rows, columns=TABLE_COLUMNS).to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    write_claims(claims_path, claims)
    for claim in claims:
        log.info("%s: %s -- %s", claim.passed, claim.claim, claim.measured)


def draw_optimizer_panel(panel: str, trajectories: list[str | os.PathLike], out: str | os.PathLike) -> None:
    """The figure of one E13 panel (targets.PANELS)."""
    draw_panel(panel, out, load_runs(trajectories))

"""E12's files: the table and claims (rule theory_diagonal) and each figure (rule
theory_diagonal_figure), from the runs' trajectory and weights files and the data sets
(``.../dataset=NAME.npz``: their support, and the misfit of the sine data)."""

from __future__ import annotations

import logging
import os

from sgd_support.core.atomic import atomic_path
from sgd_support.core.data.store import load_dataset
from sgd_support.experiments.theory import diagonal as dg
from sgd_support.experiments.theory import diagonal_figures as figures
from sgd_support.experiments.theory import diagonal_runs as dr
from sgd_support.experiments.theory import targets as rows
from sgd_support.experiments.theory import theorem2 as t2
from sgd_support.reporting.claims import write_claims
from sgd_support.reporting.run_paths import dataset_name

log = logging.getLogger(__name__)


def _inputs(trajectories, weights, data) -> tuple[list[dr.DiagonalRun], dict, dict, dict]:
    """The runs, {data set: support}, {data set: misfit} of the Prop. 2 data sets and
    {data set: (x, y)}."""
    runs = dr.load_runs([str(p) for p in trajectories], [str(p) for p in weights])
    sets = {dataset_name(p): load_dataset(p) for p in data}
    supports = {name: ds.support for name, ds in sets.items()}
    misspecified = {r.coords["dataset"] for r in runs if rows.PROP2 in r.roles}
    misfits = {
        name: dr.misfit(sets[name].x, sets[name].y, sets[name].support) for name in sorted(misspecified)
    }
    return runs, supports, misfits, {name: (ds.x, ds.y) for name, ds in sets.items()}


def write_rows(
    trajectories: list[str | os.PathLike],
    weights: list[str | os.PathLike],
    data: list[str | os.PathLike],
    table_path: str | os.PathLike,
    claims_path: str | os.PathLike,
) -> None:
    """E12's claims (Parquet) and the table of their numbers (TSV)."""
    runs, supports, misfits, xy = _inputs(trajectories, weights, data)
    claims, table = dg.diagonal_claims(runs, supports, misfits, xy)
    with atomic_path(table_path) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    write_claims(claims_path, claims)
    for claim in claims:
        log.info("%s: %s -- %s -- %s", claim.passed, claim.location, claim.measured, claim.why)


def draw(
    figure: str,
    trajectories: list[str | os.PathLike],
    weights: list[str | os.PathLike],
    data: list[str | os.PathLike],
    out: str | os.PathLike,
) -> None:
    """One of E12's figures (targets.DIAGONAL_FIGURES) from the runs."""
    runs, supports, _, _ = _inputs(trajectories, weights, data)
    if figure == rows.LAYERS:
        figures.layers_figure(out, runs, supports)
    elif figure == rows.FIRST_LAYER:
        figures.first_layer_figure(out, runs, supports)
    elif figure == rows.TIME:
        times = t2.time_table(runs, supports)
        figures.time_figure(out, times, t2.theorem2_time_claim(times)[1])
    elif figure == rows.COUNTEREXAMPLE:
        figures.counterexample_figure(out, runs)
    else:
        raise ValueError(f"unknown figure {figure!r}; allowed: {', '.join(rows.DIAGONAL_FIGURES)}")

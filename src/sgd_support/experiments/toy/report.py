"""The toy model's targets (App. B): the rate table with the claims, Fig. 9 per
landscape data set and Fig. 4, each from the runs' trajectories and the data files
(named ``.../dataset=NAME.npz``, as the data rule writes them)."""

from __future__ import annotations

import logging
import os

from sgd_support.core.atomic import atomic_path
from sgd_support.core.data.store import load_dataset
from sgd_support.experiments.toy.analysis import (
    data_role,
    drift_claims,
    landscape_claims,
    load_runs,
    rate_claims,
    rates_table,
)
from sgd_support.experiments.toy.figures import ab_figure, landscape_figure
from sgd_support.reporting.claims import write_claims
from sgd_support.reporting.run_paths import dataset_name

log = logging.getLogger(__name__)


def write_rates(
    trajectories: list[str | os.PathLike],
    points: list[str | os.PathLike],
    landscapes: list[str | os.PathLike],
    table_path: str | os.PathLike,
    claims_path: str | os.PathLike,
) -> None:
    """The rate table (TSV) of the ``points`` data sets with labels 0 and the claims:
    rates on those, drift on the points data sets D1-like, Fig. 9's on ``landscapes``."""
    runs = load_runs(trajectories)
    data = {dataset_name(p): load_dataset(p) for p in points}
    roles = {name: data_role(ds.x, ds.y) for name, ds in data.items()}
    inputs = {name: data[name].x.ravel().astype(float) for name, role in roles.items() if role == "rates"}
    table = rates_table(runs, inputs)
    with atomic_path(table_path) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.8g")
    landscape_names = {dataset_name(p) for p in landscapes}
    claims = rate_claims(table)
    claims += drift_claims([r for r in runs if roles.get(r.coords["dataset"]) == "drift"])
    claims += landscape_claims([r for r in runs if r.coords["dataset"] in landscape_names])
    write_claims(claims_path, claims)
    for claim in claims:
        log.info("%s: %s -- %s", claim.passed, claim.claim, claim.measured)


def draw_landscape(
    trajectories: list[str | os.PathLike], data: str | os.PathLike, out: str | os.PathLike
) -> None:
    """Fig. 9 for the data set ``data``: its loss landscape with the trajectories of its runs."""
    ds, name = load_dataset(data), dataset_name(data)
    runs = [r for r in load_runs(trajectories) if r.coords["dataset"] == name]
    landscape_figure(out, ds.x, ds.y, runs)


def draw_ab(trajectories: list[str | os.PathLike], out: str | os.PathLike) -> None:
    """Fig. 4: |a| and |b| over steps, a row per data set."""
    by_dataset: dict = {}
    for run in load_runs(trajectories):
        by_dataset.setdefault(run.coords["dataset"], []).append(run)
    ab_figure(out, by_dataset)

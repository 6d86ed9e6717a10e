"""The E10 decay-rate target: per-run rates and their slope against lr/b from the
runs' trajectories, with the claims, figure, page and caption paragraph."""

from __future__ import annotations

import os

from sgd_support.experiments.analyses.decay_rate import (
    decay_rate_claims,
    load_trajectories,
    rate_table,
    slope_table,
)
from sgd_support.experiments.analyses.figures import plot_rates
from sgd_support.experiments.analyses.report import ReportPaths, write_report
from sgd_support.experiments.analyses.runs import SETTING
from sgd_support.reporting.tables import write_parquet

TITLE = "E10: decay rate of the irrelevant norm against lr/b"
# The per-run columns the page shows, in this order (the Parquet table has them all)
RUN_COLUMNS = [
    *SETTING,
    "init",
    "order",
    "status",
    "lr_over_b",
    "start",
    "end",
    "n_points",
    "rate",
    "rate_per_lr",
    "r2",
    "gd_rate",
    "excess_rate",
    "floor",
    "note",
]


def write_decay_rate(
    trajectories: list[str | os.PathLike],
    rates_path: str | os.PathLike,
    slopes_path: str | os.PathLike,
    paths: ReportPaths,
) -> None:
    """Fit every run's rate, the slopes per (dataset, model, optimizer) and decide the
    claims. With fitted rates at fewer than two lr/b values it still writes every
    output: the figure then says what is missing and the claims are ``passed=None``."""
    rates = rate_table(load_trajectories(trajectories))
    slopes = slope_table(rates)
    write_parquet(rates, rates_path)
    write_parquet(slopes, slopes_path)
    claims = decay_rate_claims(slopes, rates)
    usable = slopes[slopes["n_lr_over_b"] >= 2] if len(slopes) else slopes
    n_done = int((rates["status"] == "completed").sum()) if len(rates) else 0
    n_fitted = int(rates["rate"].notna().sum()) if len(rates) else 0
    write_report(
        paths,
        TITLE,
        [("slope per (dataset, model, optimizer)", slopes), ("per run", rates.reindex(columns=RUN_COLUMNS))],
        claims,
        f"This run: {len(rates)} runs, {n_done} completed, {n_fitted} with a fitted rate "
        "(per-run windows, rates and R^2 in the table).",
        None if usable.empty else lambda path: plot_rates(rates, usable, path),
    )

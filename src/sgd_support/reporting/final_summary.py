"""The final-state summary of the sweep: one row per series (a run without its order
seed), as Parquet for the analyses and as an HTML table for the report."""

from __future__ import annotations

import logging
import os

import pandas as pd

from sgd_support.reporting.aggregate import final_summary, median_spread, read_final_states, sort_runs
from sgd_support.reporting.figure_style import colour_hex
from sgd_support.reporting.tables import Table, write_html_page, write_parquet

log = logging.getLogger(__name__)

TITLE = "Final state of every optimizer / batch size"
INTRO = (
    "Median across completed order seeds, [10%, 90%] where there are several; diverged runs "
    "are counted, not included. Norms are Frobenius norms of W1's irrelevant / relevant columns. "
    "The bar beside each optimizer is its colour in the figures."
)
# The summary's quantile columns shown, with the decimals each is shown to.
SPREADS = {
    "final full-data loss": ("final_full_loss", 4),
    "final irrelevant norm": ("final_irrelevant_norm", 3),
    "final relevant norm": ("final_relevant_norm", 3),
}


def write_final_summary(
    final_paths: list[str | os.PathLike], parquet: str | os.PathLike, html: str | os.PathLike
) -> None:
    """Summarise the per-run final states of ``final_paths`` (:func:`final_summary`, in the
    paper's row order) into ``parquet`` and its report table into ``html``."""
    summary = sort_runs(final_summary(read_final_states(final_paths)))
    write_parquet(summary, parquet)
    swatches = [colour_hex(label) for label in summary["label"]]
    write_html_page(
        html, TITLE, [Table(summary_table(summary), swatches=swatches, swatch_column="optimizer")], INTRO
    )
    log.info("%d series -> %s, %s", len(summary), parquet, html)


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The report's columns of :func:`final_summary`'s rows: coordinates, run counts and
    'median [10%, 90%]' across the completed runs."""
    done = summary["n_runs"] - summary["n_diverged"]
    spreads = {
        name: [
            "" if pd.isna(median) else median_spread(low, median, high, n, digits)
            for low, median, high, n in zip(*(summary[f"{metric}_q{q}"] for q in ("10", "50", "90")), done)
        ]
        for name, (metric, digits) in SPREADS.items()
    }
    return pd.DataFrame(
        {
            "experiment": summary["experiment"],
            "data set": summary["dataset"],
            "model": summary["model"],
            "lr": summary["lr"],
            "init seed": summary["init"],
            "optimizer": summary["label"],
            "runs": summary["n_runs"],
            "diverged": summary["n_diverged"],
            "steps": summary["steps"],
            **spreads,
            "wall time per run (s)": summary["wall_time_s"].round(1),
        }
    )

"""The final-state summary table of the sweep: Parquet and an HTML page for the report.

Usage: ``python -m sgd_support.cli.final_summary --parquet S.parquet --html S.html F1.parquet ...``
(F*: per-run final states written by ``aggregate_runs``).
"""

from __future__ import annotations

import argparse
import logging

import pandas as pd

from sgd_support.atomic import atomic_path
from sgd_support.cli.logs import setup_logging
from sgd_support.reporting.aggregate import final_summary, sort_runs
from sgd_support.reporting.tables import Table, write_html_page


def _spread(q10: pd.Series, q50: pd.Series, q90: pd.Series, n: pd.Series, digits: int) -> list[str]:
    """'median [10%, 90%]' (just the value when one run)."""
    return [
        "" if pd.isna(b) else f"{b:.{digits}f}" + ("" if k < 2 else f" [{a:.{digits}f}, {c:.{digits}f}]")
        for a, b, c, k in zip(q10, q50, q90, n)
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("final", nargs="+")
    parser.add_argument("--parquet", required=True)
    parser.add_argument("--html", required=True)
    args = parser.parse_args(argv)
    setup_logging()
    summary = sort_runs(final_summary(pd.concat([pd.read_parquet(p) for p in args.final], ignore_index=True)))
    with atomic_path(args.parquet) as tmp:
        summary.to_parquet(tmp, index=False)
    done = summary["n_runs"] - summary["n_diverged"]
    table = pd.DataFrame(
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
            "final full-data loss": _spread(
                *(summary[f"final_full_loss_q{q}"] for q in ("10", "50", "90")), done, 4
            ),
            "final irrelevant norm": _spread(
                *(summary[f"final_irrelevant_norm_q{q}"] for q in ("10", "50", "90")), done, 3
            ),
            "final relevant norm": _spread(
                *(summary[f"final_relevant_norm_q{q}"] for q in ("10", "50", "90")), done, 3
            ),
            "wall time per run (s)": summary["wall_time_s"].round(1),
        }
    )
    write_html_page(
        args.html,
        "Final state of every optimizer / batch size",
        [Table(table)],
        "Median across completed order seeds, [10%, 90%] where there are several; diverged runs "
        "are counted, not included. Norms are Frobenius norms of W1's irrelevant / relevant columns.",
    )
    logging.info("%d groups -> %s, %s", len(summary), args.parquet, args.html)


if __name__ == "__main__":
    main()

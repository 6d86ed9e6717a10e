"""Across-order-seed quantiles and per-run final states of a set of runs
(:func:`sgd_support.reporting.aggregate.aggregate_runs`).

Usage: ``python -m sgd_support.cli.aggregate_runs --quantiles Q.parquet --final F.parquet T1.parquet ...``
"""

from __future__ import annotations

import argparse

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.reporting.aggregate import aggregate_runs


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("trajectories", nargs="+", help="trajectory.parquet files (Hive paths)")
    parser.add_argument("--quantiles", required=True, help="output: 10/50/90%% per series and step")
    parser.add_argument("--final", required=True, help="output: one row per run")
    args = parser.parse_args(argv)
    setup_logging()
    aggregate_runs(args.trajectories, args.quantiles, args.final)


if __name__ == "__main__":
    main()

"""Across-order-seed quantiles and per-run final states of a set of runs.

Usage: ``python -m sgd_support.cli.aggregate_runs --quantiles Q.parquet --final F.parquet T1.parquet ...``
"""

from __future__ import annotations

import argparse
import logging

from sgd_support.atomic import atomic_path
from sgd_support.cli.logs import setup_logging
from sgd_support.reporting.aggregate import final_states, read_runs, trajectory_quantiles


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("trajectories", nargs="+", help="trajectory.parquet files (Hive paths)")
    parser.add_argument("--quantiles", required=True, help="output: 10/50/90%% per group and step")
    parser.add_argument("--final", required=True, help="output: one row per run")
    args = parser.parse_args(argv)
    setup_logging()
    rows, runs = read_runs(args.trajectories)
    quantiles, final = trajectory_quantiles(rows, runs), final_states(rows, runs)
    for frame, path in ((quantiles, args.quantiles), (final, args.final)):
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
    logging.info(
        "%d runs (%d diverged) -> %d quantile rows",
        len(runs),
        (runs["status"] != "completed").sum(),
        len(quantiles),
    )


if __name__ == "__main__":
    main()

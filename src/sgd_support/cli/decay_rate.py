"""E10: per-run decay rate of the irrelevant norm and its slope against lr/b.

Usage: ``python -m sgd_support.cli.decay_rate --trajectories T.parquet... --rates
R.parquet --slopes S.parquet --html S.html --figure F.png --claims C.parquet
--summary S.rst``

With fitted rates at fewer than two lr/b values it still writes every output: the
tables, a figure saying what is missing and claims with ``passed=None``.
"""

from __future__ import annotations

import argparse

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.experiments.analyses.decay_rate_report import write_decay_rate
from sgd_support.experiments.analyses.report import ReportPaths


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trajectories", nargs="+", required=True, help="trajectory.parquet of every run")
    for name in ("rates", "slopes", "html", "figure", "claims", "summary"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args(argv)
    setup_logging()
    write_decay_rate(
        args.trajectories,
        args.rates,
        args.slopes,
        ReportPaths(args.html, args.figure, args.claims, args.summary),
    )


if __name__ == "__main__":
    main()

"""E11: init-dependence statistics of the sweep's first layers, by batch size.

Usage: ``python -m sgd_support.cli.init_dependence --weights W.parquet... --data
dataset=NAME.npz... --table T.parquet --html T.html --figure F.png --claims C.parquet --summary S.rst``

With too few init seeds for any setting it still writes every output: the table
(what there is), a figure saying what is missing and claims with ``passed=None``.
"""

from __future__ import annotations

import argparse

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.experiments.analyses.init_dependence_report import write_init_dependence
from sgd_support.experiments.analyses.report import ReportPaths


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weights", nargs="+", required=True, help="weights.parquet of every run")
    parser.add_argument("--data", nargs="+", required=True, help="results/data/dataset=NAME.npz files")
    parser.add_argument("--min-inits", type=int, default=2, help="init seeds a setting needs for the claims")
    for name in ("table", "html", "figure", "claims", "summary"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args(argv)
    setup_logging()
    write_init_dependence(
        args.weights,
        args.data,
        args.table,
        ReportPaths(args.html, args.figure, args.claims, args.summary),
        args.min_inits,
    )


if __name__ == "__main__":
    main()

"""E12, the theory on diagonal networks and App. J's counterexample: rows and figures.

Usage:
``python -m sgd_support.cli.theory_diagonal rows --trajectories T... --weights W... --data D.npz...
--table OUT.tsv --claims OUT.parquet``
``python -m sgd_support.cli.theory_diagonal figure NAME --trajectories T... --weights W...
--data D.npz... --out OUT.png``

Run files are named by their Hive folders, data files ``.../dataset=NAME.npz``, as the
rules write them.
"""

from __future__ import annotations

import argparse

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.experiments.theory.diagonal_report import draw, write_rows
from sgd_support.experiments.theory.targets import DIAGONAL_FIGURES


def _runs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trajectories", nargs="+", required=True)
    parser.add_argument("--weights", nargs="+", required=True)
    parser.add_argument("--data", nargs="+", required=True)


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("rows", help="E12's claims (Parquet) and their numbers (TSV)")
    _runs(p)
    p.add_argument("--table", required=True)
    p.add_argument("--claims", required=True)
    p.set_defaults(run=lambda a: write_rows(a.trajectories, a.weights, a.data, a.table, a.claims))
    p = sub.add_parser("figure", help="one of E12's figures")
    p.add_argument("name", choices=DIAGONAL_FIGURES)
    _runs(p)
    p.add_argument("--out", required=True)
    p.set_defaults(run=lambda a: draw(a.name, a.trajectories, a.weights, a.data, a.out))
    args = parser.parse_args(argv)
    setup_logging()
    args.run(args)


if __name__ == "__main__":
    main()

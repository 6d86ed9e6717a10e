"""E13, the optimizer axis: the claims with their table, and the figure of one panel.

Usage:
``python -m sgd_support.cli.theory_optimizers claims --trajectories T... --data D.npz...
--table OUT.tsv --claims OUT.parquet``
``python -m sgd_support.cli.theory_optimizers figure --panel P --trajectories T... --out OUT.png``

Data files are named ``.../dataset=NAME.npz``, as the data rule writes them.
"""

from __future__ import annotations

import argparse

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.experiments.theory.optimizer_report import draw_optimizer_panel, write_optimizer_claims
from sgd_support.experiments.theory.targets import PANELS


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("claims", help="claims (Parquet) and their numbers (TSV)")
    p.add_argument("--trajectories", nargs="+", required=True)
    p.add_argument("--data", nargs="*", default=[], help="the runs' data sets")
    p.add_argument("--table", required=True)
    p.add_argument("--claims", required=True)
    p.set_defaults(run=lambda a: write_optimizer_claims(a.trajectories, a.data, a.table, a.claims))
    p = sub.add_parser("figure", help="the figure of one panel")
    p.add_argument("--panel", required=True, choices=PANELS)
    p.add_argument("--trajectories", nargs="+", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(run=lambda a: draw_optimizer_panel(a.panel, a.trajectories, a.out))
    args = parser.parse_args(argv)
    setup_logging()
    args.run(args)


if __name__ == "__main__":
    main()

"""The toy model's analysis (App. B): rate table and claims, Fig. 9, Fig. 4.

Usage:
``python -m sgd_support.cli.toy rates --trajectories T... --points D.npz...
[--landscape D.npz...] --table OUT.tsv --claims OUT.parquet``
``python -m sgd_support.cli.toy landscape --trajectories T... --data D.npz --out OUT.png``
``python -m sgd_support.cli.toy ab --trajectories T... --out OUT.png``

Data files are named ``.../dataset=NAME.npz``, as the data rule writes them.
"""

from __future__ import annotations

import argparse

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.experiments.toy.report import draw_ab, draw_landscape, write_rates


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("rates", help="rate table (TSV) and claims (Parquet)")
    p.add_argument("--trajectories", nargs="+", required=True)
    p.add_argument("--points", nargs="*", default=[], help="toy_points data sets")
    p.add_argument("--landscape", nargs="*", default=[], help="toy_landscape data sets")
    p.add_argument("--table", required=True)
    p.add_argument("--claims", required=True)
    p.set_defaults(run=lambda a: write_rates(a.trajectories, a.points, a.landscape, a.table, a.claims))
    p = sub.add_parser("landscape", help="Fig. 9 for one data set")
    p.add_argument("--trajectories", nargs="+", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(run=lambda a: draw_landscape(a.trajectories, a.data, a.out))
    p = sub.add_parser("ab", help="Fig. 4: |a|, |b| over steps")
    p.add_argument("--trajectories", nargs="+", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(run=lambda a: draw_ab(a.trajectories, a.out))
    args = parser.parse_args(argv)
    setup_logging()
    args.run(args)


if __name__ == "__main__":
    main()

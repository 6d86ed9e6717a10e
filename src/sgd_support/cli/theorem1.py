"""E10, Theorem 1 per step from saved weights: SGD-minus-GD excess shrinkage against lr^2/b.

Usage: ``python -m sgd_support.cli.theorem1 --weights W.parquet... --data dataset=NAME.npz...
--settings JSON --table T.parquet --fits F.parquet --html T.html --figure F.png
--claims C.parquet --summary S.rst [--first-layer FL.parquet]``

``--weights``: the weights.parquet of the GD runs whose snapshots are the given weights
(one per data set and linear model); ``--settings``: the config's ``theorem1`` as JSON.
"""

from __future__ import annotations

import argparse
import json

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.experiments.analyses.report import ReportPaths
from sgd_support.experiments.analyses.theorem1_report import write_theorem1


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weights", nargs="*", default=[], help="weights.parquet of the GD runs")
    parser.add_argument("--data", nargs="*", default=[], help="results/data/dataset=NAME.npz files")
    parser.add_argument("--settings", required=True, help="the config's theorem1 block, as JSON")
    for name in ("table", "fits", "html", "figure", "claims", "summary"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--first-layer", help="output: the cells of the W~-frozen test (Parquet)")
    args = parser.parse_args(argv)
    setup_logging()
    write_theorem1(
        args.weights,
        args.data,
        json.loads(args.settings),
        args.table,
        args.fits,
        ReportPaths(args.html, args.figure, args.claims, args.summary),
        args.first_layer,
    )


if __name__ == "__main__":
    main()

"""E10, Theorem 1 per step from saved weights: SGD-minus-GD excess shrinkage against lr^2/b.

Usage: ``python -m sgd_support.cli.theorem1 --weights W.parquet... --data dataset=NAME.npz...
--settings JSON --table T.parquet --fits F.parquet --html T.html --figure F.png
--claims C.parquet --summary S.rst``

``--weights``: the weights.parquet of the GD runs whose snapshots are the given weights
(one per data set and linear model); ``--settings``: the config's ``theorem1`` as JSON.
"""

from __future__ import annotations

import argparse
import json
import logging

import pandas as pd

from sgd_support.atomic import atomic_path
from sgd_support.cli.logs import setup_logging
from sgd_support.data.store import load_dataset
from sgd_support.experiments.analyses.plots import placeholder
from sgd_support.experiments.analyses.report import write_html, write_summary
from sgd_support.experiments.analyses.theorem1 import analyse, theorem1_claim
from sgd_support.experiments.analyses.theorem1_plot import plot_theorem1
from sgd_support.reporting.claims import Claim, write_claims
from sgd_support.reporting.run_paths import coordinates, dataset_paths
from sgd_support.storage import read_weights

log = logging.getLogger("sgd_support.theorem1")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weights", nargs="*", default=[], help="weights.parquet of the GD runs")
    parser.add_argument("--data", nargs="*", default=[], help="results/data/dataset=NAME.npz files")
    parser.add_argument("--settings", required=True, help="the config's theorem1 block, as JSON")
    for name in ("table", "fits", "html", "figure", "claims", "summary"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args(argv)
    setup_logging()
    settings = json.loads(args.settings)
    data = {name: load_dataset(path) for name, path in dataset_paths(args.data).items()}
    records = [{**coordinates(p), "snapshots": read_weights(p)} for p in args.weights]
    table, fits, curves = analyse(records, data, settings)
    pairs = sorted({(r["dataset"], r["model"]) for r in records})
    claims = [theorem1_claim(dataset, model, fits, table) for dataset, model in pairs] or [
        Claim(
            "E10",
            "per step, SGD shrinks ||W1[:, r:]|| more than GD by ~ lr^2/b",
            "needs GD snapshots",
            "no GD run of a linear network in this config",
            None,
            location="Theorem 1, App. K",
            scope="linear networks",
            why="The config has no GD run of a linear network to start from.",
        )
    ]
    for frame, path in ((table, args.table), (fits, args.fits)):
        with atomic_path(path) as tmp:
            pd.DataFrame(frame).to_parquet(tmp, index=False)
    write_claims(args.claims, claims)
    if len(table):
        plot_theorem1(table, fits, curves, args.figure)
    else:
        placeholder(args.figure, claims[0].measured)
    write_html(
        args.html, "E10: Theorem 1 per step from saved weights", [("fits", fits), ("cells", table)], claims
    )
    write_summary(
        args.summary,
        f"This run: {len(records)} GD run(s), snapshots at steps {settings['snapshots']}, lr "
        f"{settings['lrs']}, b {settings['batches']}, k = {settings['steps']} steps, "
        f"{settings['orders']} order pairs (each order and its reverse).",
        claims,
    )
    for claim in claims:
        log.info("%s: %s -> %s", claim.claim, claim.measured, claim.passed)


if __name__ == "__main__":
    main()

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
import logging

from sgd_support.atomic import atomic_path
from sgd_support.cli.logs import setup_logging
from sgd_support.data.store import load_dataset
from sgd_support.experiments.toy.analysis import (
    data_role,
    drift_claims,
    landscape_claims,
    load_runs,
    rate_claims,
    rates_table,
)
from sgd_support.reporting.claims import write_claims
from sgd_support.reporting.run_paths import dataset_name


def rates(args) -> None:
    runs = load_runs(args.trajectories)
    data = {dataset_name(p): load_dataset(p) for p in args.points}
    roles = {name: data_role(ds.x, ds.y) for name, ds in data.items()}
    inputs = {name: data[name].x.ravel().astype(float) for name, role in roles.items() if role == "rates"}
    table = rates_table(runs, inputs)
    with atomic_path(args.table) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.8g")
    landscapes = {dataset_name(p) for p in args.landscape}
    claims = rate_claims(table)
    claims += drift_claims([r for r in runs if roles.get(r.coords["dataset"]) == "drift"])
    claims += landscape_claims([r for r in runs if r.coords["dataset"] in landscapes])
    write_claims(args.claims, claims)
    for claim in claims:
        logging.info("%s: %s -- %s", claim.passed, claim.claim, claim.measured)


def landscape(args) -> None:
    from sgd_support.experiments.toy.figures import landscape_figure

    ds, name = load_dataset(args.data), dataset_name(args.data)
    runs = [r for r in load_runs(args.trajectories) if r.coords["dataset"] == name]
    landscape_figure(args.out, ds.x, ds.y, runs)


def ab(args) -> None:
    from sgd_support.experiments.toy.figures import ab_figure

    by_dataset: dict = {}
    for run in load_runs(args.trajectories):
        by_dataset.setdefault(run.coords["dataset"], []).append(run)
    ab_figure(args.out, by_dataset)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("rates", help="rate table (TSV) and claims (Parquet)")
    p.add_argument("--trajectories", nargs="+", required=True)
    p.add_argument("--points", nargs="*", default=[], help="toy_points data sets")
    p.add_argument("--landscape", nargs="*", default=[], help="toy_landscape data sets")
    p.add_argument("--table", required=True)
    p.add_argument("--claims", required=True)
    p.set_defaults(func=rates)
    p = sub.add_parser("landscape", help="Fig. 9 for one data set")
    p.add_argument("--trajectories", nargs="+", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=landscape)
    p = sub.add_parser("ab", help="Fig. 4: |a|, |b| over steps")
    p.add_argument("--trajectories", nargs="+", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=ab)
    args = parser.parse_args(argv)
    setup_logging()
    args.func(args)


if __name__ == "__main__":
    main()

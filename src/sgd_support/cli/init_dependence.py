"""E11: init-dependence statistics of the sweep's first layers, by batch size.

Usage: ``python -m sgd_support.cli.init_dependence --weights W.parquet... --data
dataset=NAME.npz... --table T.parquet --html T.html --figure F.png --claims C.parquet --summary S.rst``

With too few init seeds for any group it still writes every output: the table
(what there is), a figure saying what is missing and claims with ``passed=None``.
"""

from __future__ import annotations

import argparse
import logging

from sgd_support.atomic import atomic_path
from sgd_support.cli.logs import setup_logging
from sgd_support.data.store import load_dataset
from sgd_support.experiments.analyses.init_dependence import (
    init_dependence_claims,
    init_dependence_table,
    load_records,
)
from sgd_support.experiments.analyses.plots import placeholder, plot_init_dependence
from sgd_support.experiments.analyses.report import write_html, write_summary
from sgd_support.reporting.claims import write_claims
from sgd_support.reporting.run_paths import dataset_paths

log = logging.getLogger("sgd_support.init_dependence")
SHOWN = [
    "dataset",
    "model",
    "optimizer",
    "lr",
    "batch",
    "n_inits",
    "n_runs",
    "n_diverged",
    "cos_init",
    "cos_init_std",
    "rel_dist",
    "rel_dist_std",
    "gram_agreement",
    "gram_agreement_init",
    "block_share",
    "block_share_std",
    "block_share_init",
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weights", nargs="+", required=True, help="weights.parquet of every run")
    parser.add_argument("--data", nargs="+", required=True, help="results/data/dataset=NAME.npz files")
    parser.add_argument("--min-inits", type=int, default=2, help="init seeds a group needs for the claims")
    for name in ("table", "html", "figure", "claims", "summary"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args(argv)
    setup_logging()
    supports = {name: load_dataset(path).support for name, path in dataset_paths(args.data).items()}
    table = init_dependence_table(load_records(args.weights), supports)
    with atomic_path(args.table) as tmp:
        table.to_parquet(tmp, index=False)
    claims = init_dependence_claims(table, args.min_inits)
    write_claims(args.claims, claims)
    enough = table[table["n_inits"] >= args.min_inits]
    if enough.empty:
        placeholder(args.figure, claims[0].measured)
    else:
        plot_init_dependence(enough, args.figure)
    write_html(
        args.html,
        "E11: dependence on the init by batch size",
        [("per group", table.reindex(columns=SHOWN))],
        claims,
    )
    n_inits = int(table["n_inits"].max()) if len(table) else 0
    write_summary(
        args.summary,
        f"This run: {len(table)} groups (dataset, model, optimizer, lr, batch), up to "
        f"{n_inits} init seed(s) each; values are means over a group's completed runs.",
        claims,
    )
    for claim in claims:
        log.info("%s: %s -> %s", claim.claim, claim.measured, claim.passed)


if __name__ == "__main__":
    main()

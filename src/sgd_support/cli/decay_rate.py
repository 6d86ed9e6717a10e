"""E10: per-run decay rate of the irrelevant norm and its slope against lr/b.

Usage: ``python -m sgd_support.cli.decay_rate --trajectories T.parquet... --rates
R.parquet --slopes S.parquet --html S.html --figure F.png --claims C.parquet
--summary S.rst``

With fitted rates at fewer than two lr/b values it still writes every output: the
tables, a figure saying what is missing and claims with ``passed=None``.
"""

from __future__ import annotations

import argparse
import logging

from sgd_support.atomic import atomic_path
from sgd_support.cli.logs import setup_logging
from sgd_support.experiments.analyses.decay_rate import (
    decay_rate_claims,
    load_trajectories,
    rate_table,
    slope_table,
)
from sgd_support.experiments.analyses.plots import placeholder, plot_rates
from sgd_support.experiments.analyses.report import write_html, write_summary
from sgd_support.reporting.claims import write_claims

log = logging.getLogger("sgd_support.decay_rate")
RUN_COLUMNS = [
    "dataset",
    "model",
    "optimizer",
    "lr",
    "batch",
    "init",
    "order",
    "status",
    "lr_over_b",
    "start",
    "end",
    "n_points",
    "rate",
    "rate_per_lr",
    "r2",
    "gd_rate",
    "excess_rate",
    "floor",
    "note",
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trajectories", nargs="+", required=True, help="trajectory.parquet of every run")
    for name in ("rates", "slopes", "html", "figure", "claims", "summary"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args(argv)
    setup_logging()
    rates = rate_table(load_trajectories(args.trajectories))
    slopes = slope_table(rates)
    for frame, path in ((rates, args.rates), (slopes, args.slopes)):
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
    claims = decay_rate_claims(slopes, rates)
    write_claims(args.claims, claims)
    usable = slopes[slopes["n_lr_over_b"] >= 2] if len(slopes) else slopes
    if usable.empty:
        placeholder(args.figure, claims[0].measured)
    else:
        plot_rates(rates, usable, args.figure)
    write_html(
        args.html,
        "E10: decay rate of the irrelevant norm against lr/b",
        [("slope per (dataset, model, optimizer)", slopes), ("per run", rates.reindex(columns=RUN_COLUMNS))],
        claims,
    )
    n_done = int((rates["status"] == "completed").sum()) if len(rates) else 0
    write_summary(
        args.summary,
        f"This run: {len(rates)} runs, {n_done} completed, "
        f"{int(rates['rate'].notna().sum()) if len(rates) else 0} with a fitted rate "
        "(per-run windows, rates and R^2 in the table).",
        claims,
    )
    for claim in claims:
        log.info("%s: %s -> %s", claim.claim, claim.measured, claim.passed)


if __name__ == "__main__":
    main()

"""Checklist rows of the synthetic experiments (E1-E5).

Usage: ``python -m sgd_support.cli.synthetic_claims --data D1.npz ... --weights W1.parquet ...
--out C.parquet F1.parquet ...`` (F*: per-run final states; D*: the data sets, ``dataset=NAME.npz``,
for the zero predictor's loss and the support; W*: every run's weights, for the W1 row counts
of the ReLU claims and each run's activation and target).
"""

from __future__ import annotations

import argparse
import logging

import numpy as np
import pandas as pd

from sgd_support.cli.logs import setup_logging
from sgd_support.data.store import load_dataset
from sgd_support.experiments.synthetic.claims import synthetic_claims
from sgd_support.experiments.synthetic.w1_rows import row_table
from sgd_support.reporting.claims import write_claims
from sgd_support.reporting.run_paths import dataset_paths
from sgd_support.storage import PARTITIONS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("final", nargs="+")
    parser.add_argument("--data", nargs="+", required=True)
    parser.add_argument("--weights", nargs="+", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    setup_logging()
    final = pd.concat([pd.read_parquet(p) for p in args.final], ignore_index=True)
    data = {name: load_dataset(path) for name, path in dataset_paths(args.data).items()}
    zero = {name: float(np.mean(np.square(ds.y))) for name, ds in data.items()}
    rows = row_table(args.weights, {name: ds.support for name, ds in data.items()})
    final = final.merge(rows, on=list(PARTITIONS), how="left")
    claims = synthetic_claims(final, zero)
    write_claims(args.out, claims)
    for c in claims:
        logging.info("%s %s: %s (%s)", c.experiment, c.claim, c.passed, c.measured)


if __name__ == "__main__":
    main()

"""Checklist rows of the synthetic experiments (E1-E5)
(:func:`sgd_support.experiments.synthetic.claims.write_synthetic_claims`).

Usage: ``python -m sgd_support.cli.synthetic_claims --data D1.npz ... --weights W1.parquet ...
--out C.parquet F1.parquet ...`` (F*: per-run final states; D*: the data sets, ``dataset=NAME.npz``,
for the zero predictor's loss and the support; W*: every run's weights, for the W1 row counts
of the ReLU claims and each run's activation and target).
"""

from __future__ import annotations

import argparse

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.experiments.synthetic.claims import write_synthetic_claims


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("final", nargs="+")
    parser.add_argument("--data", nargs="+", required=True)
    parser.add_argument("--weights", nargs="+", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    setup_logging()
    write_synthetic_claims(args.final, args.data, args.weights, args.out)


if __name__ == "__main__":
    main()

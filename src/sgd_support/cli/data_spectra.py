"""E8 for one image data set: the pixel covariance of its training images (grey:
colour images averaged over RGB) as a heatmap, and its eigenvalue spectrum; see
``experiments/images/spectra.py``.

Usage: ``python -m sgd_support.cli.data_spectra --data D.npz --name NAME --covariance C.png
--spectrum S.png --eigenvalues E.tsv``
"""

from __future__ import annotations

import argparse

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.experiments.images.spectra import write_spectra


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--name", required=True, help="the data set's name, for titles")
    parser.add_argument("--covariance", required=True)
    parser.add_argument("--spectrum", required=True)
    parser.add_argument("--eigenvalues", required=True, help="TSV: rank, eigenvalue, cumulative share")
    args = parser.parse_args(argv)
    setup_logging()
    write_spectra(
        args.data,
        args.name,
        covariance=args.covariance,
        spectrum=args.spectrum,
        eigenvalues=args.eigenvalues,
    )


if __name__ == "__main__":
    main()

"""E8 for one image data set: the pixel covariance of its training images (grey:
colour images averaged over RGB) as a heatmap, and its eigenvalue spectrum.

Usage: ``python -m sgd_support.cli.data_spectra --data D.npz --covariance C.png
--spectrum S.png --eigenvalues E.tsv``
"""

from __future__ import annotations

import argparse
import logging

import numpy as np
import pandas as pd

from sgd_support.atomic import atomic_path
from sgd_support.cli.logs import setup_logging
from sgd_support.data.store import load_dataset
from sgd_support.experiments.images.analysis import (
    components_for_variance,
    covariance_spectrum,
    grey_pixels,
    pixel_covariance,
)
from sgd_support.experiments.images.plots import covariance_heatmap, spectrum_plot


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--name", required=True, help="the data set's name, for titles")
    parser.add_argument("--covariance", required=True)
    parser.add_argument("--spectrum", required=True)
    parser.add_argument("--eigenvalues", required=True, help="TSV: rank, eigenvalue, cumulative share")
    args = parser.parse_args(argv)
    setup_logging()
    data = load_dataset(args.data)
    grey = grey_pixels(data.x, data.image_shape)
    cov = pixel_covariance(grey)
    eig = covariance_spectrum(cov)
    n90, n99 = components_for_variance(eig, 0.9), components_for_variance(eig, 0.99)
    colour = " (grey: mean over RGB)" if len(data.image_shape) == 3 else ""
    covariance_heatmap(cov, f"{args.name}: pixel covariance{colour}", args.covariance)
    note = (
        f"{len(grey)} images, {grey.shape[1]} pixels in [0, 1]\n"
        f"top eigenvalues: {', '.join(f'{v:.3g}' for v in eig[:3])}\n"
        f"90% of variance: {n90} components; 99%: {n99}"
    )
    spectrum_plot(eig, f"{args.name}: covariance eigenvalues", note, args.spectrum)
    table = pd.DataFrame(
        {
            "rank": np.arange(1, len(eig) + 1),
            "eigenvalue": eig,
            "cumulative_share": np.cumsum(eig) / eig.sum(),
        }
    )
    with atomic_path(args.eigenvalues) as tmp:
        table.to_csv(tmp, sep="\t", index=False)
    logging.info("%s: %s", args.name, note.replace("\n", "; "))


if __name__ == "__main__":
    main()

"""E8 for one image data set: the pixel covariance of its training images (grey:
colour images averaged over RGB) as a heatmap, its eigenvalue spectrum, and the
eigenvalues as a table (rank, eigenvalue, cumulative share)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from sgd_support.core.atomic import atomic_path
from sgd_support.core.data.store import load_dataset
from sgd_support.experiments.images.analysis import (
    components_for_variance,
    covariance_spectrum,
    grey_pixels,
    pixel_covariance,
)
from sgd_support.experiments.images.figures import covariance_heatmap, spectrum_plot

log = logging.getLogger(__name__)


def spectrum_table(eigenvalues: np.ndarray) -> pd.DataFrame:
    """Rank (from 1), eigenvalue (descending) and the cumulative share of the variance."""
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(eigenvalues) + 1),
            "eigenvalue": eigenvalues,
            "cumulative_share": np.cumsum(eigenvalues) / eigenvalues.sum(),
        }
    )


def write_spectra(data_path: str, name: str, *, covariance: str, spectrum: str, eigenvalues: str) -> None:
    """Write E8's covariance heatmap, spectrum figure and eigenvalue table of the data
    set at ``data_path`` (``name`` titles the figures)."""
    data = load_dataset(data_path)
    grey = grey_pixels(data.x, data.image_shape)
    cov = pixel_covariance(grey)
    eig = covariance_spectrum(cov)
    n90, n99 = components_for_variance(eig, 0.9), components_for_variance(eig, 0.99)
    colour = " (grey: mean over RGB)" if len(data.image_shape) == 3 else ""
    covariance_heatmap(cov, f"{name}: pixel covariance{colour}", covariance)
    note = (
        f"{len(grey)} images, {grey.shape[1]} pixels in [0, 1]\n"
        f"top eigenvalues: {', '.join(f'{v:.3g}' for v in eig[:3])}\n"
        f"90% of variance: {n90} components; 99%: {n99}"
    )
    spectrum_plot(eig, f"{name}: covariance eigenvalues", note, spectrum)
    with atomic_path(eigenvalues) as tmp:
        spectrum_table(eig).to_csv(tmp, sep="\t", index=False)
    log.info("%s: %s", name, note.replace("\n", "; "))

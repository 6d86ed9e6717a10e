"""The one look of every report figure: seaborn's theme, set here on import (every
plotting module imports this one to save its figures, so none draws without it),
the colours per run label, and saving (headless, atomic, one resolution)."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")  # headless: jobs run without a display

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from sgd_support.atomic import atomic_path  # noqa: E402

DPI = 110  # sharp in the HTML report, a few hundred kB per figure
# Heatmaps and image panels switch the grid off on their axes (ax.grid(False)).
sns.set_theme(context="notebook", style="whitegrid", font_scale=0.95)


def colours(labels: list[str]) -> dict[str, tuple]:
    """GD red and GD+wd brown (the paper's colours); SGD batch sizes from dark
    (small batch) to light (large batch) on one sequential palette."""
    sgd = [lab for lab in labels if lab.startswith("SGD")]
    palette = sns.color_palette("viridis", max(len(sgd), 1) + 1)
    out = {lab: palette[len(sgd) - 1 - i] for i, lab in enumerate(sgd)}  # labels come large batch first
    for lab in labels:
        if lab.startswith("GD+wd"):
            out[lab] = sns.color_palette("dark")[5]
        elif lab.startswith("GD"):
            out[lab] = sns.color_palette("bright")[3]
    return out


def save_figure(fig, path: str | os.PathLike) -> None:
    """Write ``fig`` atomically (format from the suffix) and close it."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI, bbox_inches="tight")
    plt.close(fig)

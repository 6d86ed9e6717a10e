"""Figures of the image experiments: eigenvalue histograms, focus maps, pixel
covariance and its spectrum, the Gram matrix in W1's SVD basis. Every figure takes the
project's one style and is saved by ``reporting.figure_style``: the theme's grid is
switched off on heatmaps and image panels, where it would cross the pixels."""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from sgd_support.experiments.images.analysis import numerical_zero
from sgd_support.experiments.images.focus_order import share_bands
from sgd_support.reporting.figure_style import save_figure


def _grid(count: int, width: float, height: float, columns: int = 3):
    """A figure with ``count`` axes, ``columns`` per row, a short last row centred (no
    empty slot at its end): a grid of half-columns, each axes two of them wide."""
    rows = -(-count // columns)
    cols = min(count, columns)
    fig = plt.figure(figsize=(width * cols, height * rows))
    spec = fig.add_gridspec(rows, 2 * cols)
    axes = []
    for i in range(count):
        row, col = divmod(i, cols)
        offset = cols - min(cols, count - row * cols)  # half-columns left free in a short row
        axes.append(fig.add_subplot(spec[row, offset + 2 * col : offset + 2 * col + 2]))
    return fig, axes


def _histogram(ax, eigenvalues: np.ndarray, title: str, bins: int) -> None:
    """A histogram of eigenvalues with log counts (most of them sit at ~0)."""
    ax.hist(eigenvalues, bins=bins, color="steelblue", edgecolor="black", log=True)
    ax.set(title=title, xlabel="eigenvalue", ylabel="frequency")


# Where a note box sits in its axes: (x, y, horizontal, vertical alignment).
CORNERS = {"upper right": (0.97, 0.95, "right", "top"), "lower left": (0.03, 0.05, "left", "bottom")}


def _note(ax, text: str, corner: str) -> None:
    """``text`` in a rounded white box in ``corner`` of ``ax``."""
    x, y, ha, va = CORNERS[corner]
    ax.text(
        x,
        y,
        text,
        transform=ax.transAxes,
        ha=ha,
        va=va,
        fontsize=9,
        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.8},
    )


def eigen_histograms(
    panels: Sequence[tuple[str, np.ndarray, str]], path: str | os.PathLike, bins: int = 40
) -> None:
    """One log-count histogram per panel ``(title, eigenvalues, annotation)``, three
    per row (the layout of the paper's Fig. 2); the annotation goes in a box."""
    fig, axes = _grid(len(panels), 4.2, 3.2)
    for ax, (title, eig, note) in zip(axes, panels):
        _histogram(ax, eig, title, bins)
        if note:
            _note(ax, note, "upper right")
    fig.tight_layout()
    save_figure(fig, path)


def image_panels(
    panels: Sequence[tuple[str, np.ndarray]],
    path: str | os.PathLike,
    xlabel: str = "",
    ylabel: str = "",
) -> None:
    """One heatmap per panel ``(title, 2-d array)``, each on its own colour scale with
    its colour bar (the paper's focus maps), its axes labelled ``xlabel`` and ``ylabel``."""
    fig, axes = _grid(len(panels), 3.4, 3.2)
    for ax, (title, image) in zip(axes, panels):
        shown = ax.imshow(image, cmap="inferno")
        ax.set(xlabel=xlabel, ylabel=ylabel)
        ax.set_title(title, fontsize=10)
        ax.grid(False)
        fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    save_figure(fig, path)


def focus_share_plot(
    runs: Sequence[dict], shares: Sequence[float], init_share: float, data_size: int, path: str | os.PathLike
) -> None:
    """Effective pixel share of each run's focus map against its batch size (GD at the
    data size), one line per (lr, weight decay): the median over order seeds with the
    10-90% band where a batch size has several runs; the init's share dashed. Lower =
    more concentrated."""
    fig, ax = plt.subplots(figsize=(8.8, 4.2))  # room for the legend beside the axes
    groups = sorted({(r["lr"], r["weight_decay"]) for r in runs}, key=lambda g: (g[1], g[0]))
    for lr, wd in groups:
        pts = [
            (r["effective_batch"], s)
            for r, s in zip(runs, shares)
            if (r["lr"], r["weight_decay"]) == (lr, wd)
        ]
        bands = share_bands(np.array([b for b, _ in pts]), np.array([s for _, s in pts]))
        batches, q10, med, q90 = (bands[c].to_numpy() for c in ("batch", "q10", "median", "q90"))
        several = bands["runs"].to_numpy() > 1  # one run (GD: one per init) has no spread
        label = f"lr {lr}" + (f", wd {wd:g}" if wd else "")
        line = ax.plot(batches, med, "o-", label=f"{label}: median")[0]
        if several.any():
            ax.fill_between(
                batches,
                q10,
                q90,
                where=several,
                color=line.get_color(),
                alpha=0.2,
                label=f"{label}: 10-90% of seeds (where n > 1)",
            )
        ax.scatter([b for b, _ in pts], [s for _, s in pts], s=10, color=line.get_color(), alpha=0.6)
    ax.axhline(init_share, color="grey", ls="--", label="init")
    ticks = sorted({r["effective_batch"] for r in runs})
    ax.set_xscale("log", base=2)
    ax.set_xticks(ticks, ["GD" if b == data_size else str(b) for b in ticks])
    ax.set(
        xlabel="batch size (GD = the data size)",
        ylabel="effective pixel share of W1's focus map",
        title="focus concentration over order seeds (lower = concentrated)",
    )
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))  # beside the axes: off the bands
    fig.tight_layout()
    save_figure(fig, path)


def covariance_heatmap(cov: np.ndarray, title: str, path: str | os.PathLike) -> None:
    """The pixel covariance matrix as a heatmap (the paper's Fig. 6)."""
    fig, ax = plt.subplots(figsize=(5, 4.4))
    shown = ax.imshow(cov, cmap="viridis")
    ax.set(title=title, xlabel="pixel", ylabel="pixel")
    ax.grid(False)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(integer=True))  # pixel numbers, not 2.5
    fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    save_figure(fig, path)


def spectrum_plot(eigenvalues: np.ndarray, title: str, note: str, path: str | os.PathLike) -> None:
    """Histogram of the covariance eigenvalues (the paper's Fig. 7) next to the
    sorted eigenvalues on a log scale, down to the numerical zero
    (:func:`~sgd_support.experiments.images.analysis.numerical_zero`, dotted): the
    eigenvalues below it are rounding noise, counted in the note, not drawn."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    _histogram(left, eigenvalues, title, bins=60)
    floor = numerical_zero(eigenvalues)
    shown = np.sort(eigenvalues[eigenvalues > floor])[::-1]
    right.semilogy(np.arange(1, len(shown) + 1), shown, ".-", ms=3)
    right.axhline(floor, color="grey", ls=":", lw=1)
    right.set(title="sorted eigenvalues", xlabel="rank", ylabel="eigenvalue")
    zeros = len(eigenvalues) - len(shown)
    right.set_xlim(0, len(eigenvalues) + 1)
    if floor > 0:  # an all-zero spectrum has no log scale to bound
        right.set_ylim(bottom=floor / 10)
    _note(right, f"{note}\n{zeros} zero to rounding (< {floor:.1g}, dotted): not drawn", "lower left")
    fig.tight_layout()
    save_figure(fig, path)

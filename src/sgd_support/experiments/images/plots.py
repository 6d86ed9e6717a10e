"""Figures of the image experiments: eigenvalue histograms, focus maps, pixel
covariance and its spectrum. Every figure is written through ``atomic_path``."""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from sgd_support.reporting.figure_style import save_figure


def _grid(count: int, width: float, height: float, columns: int = 3):
    """A figure with ``count`` axes, ``columns`` per row; unused axes hidden."""
    rows = -(-count // columns)
    cols = min(count, columns)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.ravel()[count:]:
        ax.set_visible(False)
    return fig, axes.ravel()[:count]


def eigen_histograms(
    panels: Sequence[tuple[str, np.ndarray, str]], path: str | os.PathLike, bins: int = 40
) -> None:
    """One log-count histogram per panel ``(title, eigenvalues, annotation)``, three
    per row (the layout of the paper's Fig. 2); the annotation goes in a box."""
    fig, axes = _grid(len(panels), 4.2, 3.2)
    for ax, (title, eig, note) in zip(axes, panels):
        ax.hist(eig, bins=bins, color="steelblue", edgecolor="black", log=True)
        ax.set(title=title, xlabel="eigenvalue", ylabel="frequency")
        ax.grid(alpha=0.3)
        if note:
            ax.text(
                0.97,
                0.95,
                note,
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=9,
                bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.8},
            )
    fig.tight_layout()
    save_figure(fig, path)


def image_panels(
    panels: Sequence[tuple[str, np.ndarray]],
    path: str | os.PathLike,
    cmap: str = "inferno",
    shared_scale: bool = False,
) -> None:
    """One heatmap per panel ``(title, 2-d array)`` with a colour bar each (the
    paper's focus maps: each on its own scale unless ``shared_scale``)."""
    vmax = max(float(np.max(a)) for _, a in panels) if shared_scale else None
    fig, axes = _grid(len(panels), 3.4, 3.2)
    for ax, (title, image) in zip(axes, panels):
        shown = ax.imshow(image, cmap=cmap, vmin=0 if shared_scale else None, vmax=vmax)
        ax.set_title(title, fontsize=10)
        fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    save_figure(fig, path)


def focus_share_plot(
    runs: Sequence[dict], shares: Sequence[float], init_share: float, data_size: int, path: str | os.PathLike
) -> None:
    """Effective pixel share of each run's focus map against its batch size (GD at the
    data size), one line per (lr, weight decay): the median over order seeds with the
    10-90% band; the init's share dashed. Lower = more concentrated."""
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    groups = sorted({(r["lr"], r["weight_decay"]) for r in runs}, key=lambda g: (g[1], float(g[0])))
    for lr, wd in groups:
        pts = [
            (r["effective_batch"], s)
            for r, s in zip(runs, shares)
            if (r["lr"], r["weight_decay"]) == (lr, wd)
        ]
        batches = np.array(sorted({b for b, _ in pts}))
        per = [np.array([s for b, s in pts if b == batch]) for batch in batches]
        q10, med, q90 = (np.array([np.quantile(v, q) for v in per]) for q in (0.1, 0.5, 0.9))
        label = f"lr {lr}" + (f", wd {wd:g}" if wd else "")
        line = ax.plot(batches, med, "o-", label=f"{label}: median")[0]
        ax.fill_between(
            batches, q10, q90, color=line.get_color(), alpha=0.2, label=f"{label}: 10-90% of seeds"
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
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)


def covariance_heatmap(cov: np.ndarray, title: str, path: str | os.PathLike) -> None:
    """The pixel covariance matrix as a heatmap (the paper's Fig. 6)."""
    fig, ax = plt.subplots(figsize=(5, 4.4))
    shown = ax.imshow(cov, cmap="viridis")
    ax.set(title=title, xlabel="pixel", ylabel="pixel")
    fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    save_figure(fig, path)


def spectrum_plot(eigenvalues: np.ndarray, title: str, note: str, path: str | os.PathLike) -> None:
    """Histogram of the covariance eigenvalues (the paper's Fig. 7) next to the
    sorted eigenvalues on a log scale."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    left.hist(eigenvalues, bins=60, color="steelblue", edgecolor="black", log=True)
    left.set(title=title, xlabel="eigenvalue", ylabel="frequency")
    left.grid(alpha=0.3)
    positive = eigenvalues[eigenvalues > 0]
    right.semilogy(np.arange(1, len(positive) + 1), positive, ".-", ms=3)
    right.set(title="sorted eigenvalues", xlabel="rank", ylabel="eigenvalue")
    right.grid(alpha=0.3)
    right.text(
        0.03,
        0.05,
        note,
        transform=right.transAxes,
        ha="left",
        va="bottom",
        fontsize=9,
        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.8},
    )
    fig.tight_layout()
    save_figure(fig, path)

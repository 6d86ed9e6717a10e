"""Heatmap grids of weights and Gram matrices at init and at the end of training.

The paper's Fig. 1, 10, 13, 15, 16 (rows |W1| and |Gram(W1)|) and Fig. 12 (rows
|Gram(W2)|, |Gram(W3)|): one column for the init, then one per optimizer / batch
size (GD, SGD from the largest batch down, GD+wd). Gram(W) = |W^T W|, the absolute
value as the authors plot it. As in the paper, each panel has its own colour scale
(0 to that panel's maximum, on its own colour bar): a shared scale let the largest
Gram block (SGD-1's) black out every other panel of its row. ``scale="row"`` draws
the shared-scale companion (0 to the row's maximum), where brightness compares
across optimizers.
"""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sgd_support.core.atomic import atomic_path
from sgd_support.core.data.store import load_dataset
from sgd_support.core.models import load_weights
from sgd_support.core.storage import read_weights
from sgd_support.reporting.aggregate import sort_runs
from sgd_support.reporting.figure_style import save_figure
from sgd_support.reporting.run_paths import coordinates

CMAPS = {"abs": "viridis", "gram": "magma"}
ROW_HEIGHT = 2.4  # inches per row of panels
# The title stands this far (inches) above the top row's panels, as matplotlib's default
# places it on a two-row grid; a default-placed title overlaps the panel titles of a
# one-row grid (a model with one hidden-to-hidden layer), whose figure is half as high.
TITLE_GAP = 0.48
# A panel whose largest entry is below this share of its row's is marked "~0" in its title:
# GD+wd can decay a layer to ~1e-22 (sine target), which its own colour scale stretches
# into a picture.
NEGLIGIBLE = 1e-9
# The grids a rule asks for: |W1| and |Gram(W1)|, or |Gram| of the hidden-to-hidden layers.
GRIDS = ("w1", "deep")


def weight_grid_figure(
    grid: str,
    weight_paths: list[str | os.PathLike],
    data_path: str | os.PathLike,
    init_path: str | os.PathLike,
    final_path: str | os.PathLike,
    path: str | os.PathLike,
    caption_path: str | os.PathLike,
    shared_path: str | os.PathLike | None = None,
) -> None:
    """The ``grid`` (one of GRIDS) of one (data set, model, lr, init seed) to ``path`` (a
    colour scale per panel, as the paper), its numbers to ``caption_path``
    (reStructuredText) and, given ``shared_path``, the same grid on one colour scale
    per row there.

    weight_paths: the grid's weights.parquet files (one per optimizer, batch size and
    order seed); each optimizer / batch size shows its completed run with the smallest
    order seed. init_path: the weights at step 0; final_path: the (data set, model)'s
    per-run final states, for the runs' status and labels.
    """
    run = coordinates(weight_paths[0])
    final = pd.read_parquet(final_path)
    final = final[(final["lr"] == run["lr"]) & (final["init"] == run["init"])]
    init = load_weights(init_path)
    ends = end_weights(final, weight_paths)
    title = (
        f"{final.iloc[0]['experiment']}: {run['dataset']} target, model {run['model']}, "
        f"lr {run['lr']}, init seed {run['init']}"
    )
    if grid == "w1":
        rows, text = [("abs", 0), ("gram", 0)], w1_numbers(init, ends, load_dataset(data_path).support)
    else:
        layers = list(range(1, len(init) - 1))
        rows, text = [("gram", k) for k in layers], deep_numbers(init, ends, layers)
    plot_weight_grid(init, ends, rows, path, title)
    if shared_path is not None:
        plot_weight_grid(init, ends, rows, shared_path, title + " (one colour scale per row)", scale="row")
    with atomic_path(caption_path) as tmp:
        tmp.write_text(text)


def end_weights(final: pd.DataFrame, paths: list[str | os.PathLike]) -> dict:
    """label -> the last snapshot of its first completed run (None: all diverged),
    in the paper's column order."""
    by_coords = {tuple(coordinates(p).values()): p for p in paths}
    ends = {}
    for label, group in sort_runs(final).groupby("label", sort=False):
        done = group[group["status"] == "completed"].sort_values("order", key=lambda s: s.astype(int))
        if done.empty:
            ends[label] = None
            continue
        run = done.iloc[0]
        snapshots = read_weights(by_coords[tuple(run[k] for k in coordinates(paths[0]))])
        ends[label] = snapshots[max(snapshots)]
    return ends


def gram(w: np.ndarray) -> np.ndarray:
    """|W^T W| for W of shape (out, in): (in, in), float64."""
    w = np.asarray(w, dtype=np.float64)
    return np.abs(w.T @ w)


def panel(kind: str, w: np.ndarray) -> np.ndarray:
    """What a heatmap shows: |W| ("abs") or |W^T W| ("gram")."""
    return np.abs(np.asarray(w, dtype=np.float64)) if kind == "abs" else gram(w)


def row_title(kind: str, layer: int) -> str:
    return f"|W{layer + 1}|" if kind == "abs" else f"|Gram(W{layer + 1})|"


def plot_weight_grid(
    init: list[np.ndarray],
    ends: dict[str, list[np.ndarray] | None],
    rows: list[tuple[str, int]],
    path: str | os.PathLike,
    title: str,
    scale: str = "panel",
) -> None:
    """Draw the grid.

    init: the weights at step 0 (list of (out, in) arrays); ends: label -> weights
    at the end, or None for a label whose runs all diverged (drawn as a note);
    rows: (kind, layer index) per row, kind "abs" or "gram"; scale: "panel" (each
    panel 0 to its own maximum, a colour bar each, as the paper) or "row" (0 to the
    row's maximum, one colour bar per row).
    """
    if scale not in ("panel", "row"):
        raise ValueError(f"scale must be 'panel' or 'row', not {scale!r}")
    columns = [("init", init), *ends.items()]
    width = (2.75 if scale == "panel" else 2.3) * len(columns) + 0.8
    fig, axes = plt.subplots(len(rows), len(columns), figsize=(width, ROW_HEIGHT * len(rows)), squeeze=False)
    for i, (kind, layer) in enumerate(rows):
        images = [panel(kind, ws[layer]) if ws is not None else None for _, ws in columns]
        row_max = max(float(im.max()) for im in images if im is not None)
        for j, ((label, _), image) in enumerate(zip(columns, images)):
            ax = axes[i, j]
            ax.set_xticks([]), ax.set_yticks([])
            ax.grid(False)
            if image is None:
                ax.text(
                    0.5,
                    0.5,
                    "all runs\ndiverged",
                    ha="center",
                    va="center",
                    color="darkred",
                    transform=ax.transAxes,
                )
            else:
                vmax = panel_max(image) if scale == "panel" else row_max
                mappable = ax.imshow(image, cmap=CMAPS[kind], vmin=0, vmax=vmax, interpolation="nearest")
                if scale == "panel":
                    bar = fig.colorbar(mappable, ax=ax, fraction=0.046, pad=0.03, ticks=[0, vmax])
                    bar.ax.set_yticklabels(["0", f"{vmax:.2g}"], fontsize=7)
            name = f"{row_title(kind, layer)} at init" if j == 0 else label
            if image is not None and scale == "panel" and image.max() < NEGLIGIBLE * row_max:
                name += " (~0)"  # its own scale would show rounding noise as structure
            ax.set_title(name, fontsize=10)
        if scale == "row":
            fig.colorbar(mappable, ax=list(axes[i]), fraction=0.015, pad=0.01, label=row_title(kind, layer))
    fig.suptitle(title, y=fig.subplotpars.top + TITLE_GAP / (ROW_HEIGHT * len(rows)))
    save_figure(fig, path)


def panel_max(image: np.ndarray) -> float:
    """The top of a panel's own colour scale: its maximum (a positive floor for an
    all-zero panel, which imshow cannot scale)."""
    return max(float(image.max()), 1e-300)


def support_share(w1: np.ndarray, support: np.ndarray) -> float:
    """Share of |Gram(W1)|'s total mass in the support x support block (1.0 when
    the first layer ignores every irrelevant input); NaN when W1 is numerically zero
    (strong weight decay can remove the whole layer), where a share means nothing."""
    g = gram(w1)
    total = g.sum()
    return float(g[np.ix_(support, support)].sum() / total) if total > 1e-12 else float("nan")


def w1_numbers(init: list[np.ndarray], ends: dict[str, list[np.ndarray] | None], support: np.ndarray) -> str:
    """Caption numbers (reStructuredText) for a |W1| / |Gram(W1)| grid."""
    cells = [("init", init), *ends.items()]
    parts = [
        f"{label}: diverged"
        if ws is None
        else f"{label} {np.linalg.norm(ws[0][:, ~support]):.3f} / "
        + ("n/a (W1 = 0)" if np.isnan(share := support_share(ws[0], support)) else f"{share:.2f}")
        for label, ws in cells
    ]
    ideal = support.sum() ** 2 / support.size**2
    return (
        "**This run**, irrelevant norm ``||W1[:, r:]||_F`` / share of ``|Gram(W1)|`` mass in the "
        "support block "
        f"(1.00 = support found; {ideal:.2f} if the mass were spread evenly): " + "; ".join(parts) + ".\n"
    )


def deep_numbers(init: list[np.ndarray], ends: dict[str, list[np.ndarray] | None], layers: list[int]) -> str:
    """Caption numbers for the deeper-layer Gram grid: relative change
    ||G_end - G_init||_F / ||G_init||_F per layer and column."""
    parts = []
    for label, ws in ends.items():
        if ws is None:
            parts.append(f"{label}: diverged")
            continue
        changes = [
            np.linalg.norm(gram(ws[k]) - gram(init[k])) / np.linalg.norm(gram(init[k])) for k in layers
        ]
        parts.append(f"{label} " + " / ".join(f"{c:.2f}" for c in changes))
    names = " / ".join(f"W{k + 1}" for k in layers)
    return f"**This run**, relative change of ``|Gram|`` from init ({names}): " + "; ".join(parts) + ".\n"

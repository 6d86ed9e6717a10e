"""Figures of the synthetic experiments (E1-E5): weight grids and norm curves.

Weight grids: Heatmap grids of weights and Gram matrices at init and at the end of training.

The paper's Fig. 1, 10, 13, 15, 16 (rows |W1| and |Gram(W1)|) and Fig. 12 (rows
|Gram(W2)|, |Gram(W3)|): one column for the init, then one per optimizer / batch
size (GD, SGD from the largest batch down, GD+wd). Gram(W) = |W^T W|, the absolute
value as the authors plot it. As in the paper, each panel has its own colour scale
(0 to that panel's maximum, on its own colour bar): a shared scale let the largest
Gram block (SGD-1's) black out every other panel of its row. ``scale="row"`` draws
the shared-scale companion (0 to the row's maximum), where brightness compares
across optimizers.

Norm curves: Irrelevant norm ||W1[:, ~support]||_F (and full-data loss) against step, log x.

The paper's Fig. 3, 11, 14: one line per optimizer / batch size (median across
order seeds, in the paper's colour of that optimizer) with its 10-90% band where it
has several runs, one column per learning rate. A second row shows the full-data
loss the same way, so one can see that the runs fit equally well while their
irrelevant norms part. Where GD stopped before the SGD runs (the paper-scale configs
train GD for 20k steps, SGD for 200k), its last irrelevant norm is drawn on, dashed,
to the last SGD step, as the paper draws GD's plateau.
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
from sgd_support.experiments.synthetic.paper_comparison import comparison, comparison_rst
from sgd_support.reporting.aggregate import median_spread, paper_final_states, sort_runs
from sgd_support.reporting.figure_style import colours, save_figure
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
    final = paper_final_states(pd.read_parquet(final_path))
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


PANELS = (
    ("irrelevant_norm", "irrelevant norm $\\|W_1[:, r:]\\|_F$", "linear"),
    ("full_loss", "full-data loss (MSE)", "log"),
)
# The metric whose GD plateau is drawn on to the end of the SGD runs (the paper's curves
# show it; GD's loss is not a plateau the paper draws).
HELD = "irrelevant_norm"
REFERENCE_LABEL = "authors' code, re-run"


def norm_curves_figure(
    quantiles_path: str | os.PathLike,
    final_path: str | os.PathLike,
    init: str,
    path: str | os.PathLike,
    caption_path: str | os.PathLike,
    setup: dict | None = None,
) -> None:
    """The figure of init seed ``init`` from one (data set, model)'s aggregates
    (:func:`sgd_support.reporting.aggregate.aggregate_runs`) to ``path``, its numbers to
    ``caption_path`` (reStructuredText).

    setup: the config's datasets, models, optimizers and training blocks; with it, runs
    that a table of reference values applies to get them as markers ("authors' code,
    re-run") and an "authors' code, re-run vs this run" table in the caption.
    """
    final = paper_final_states(pd.read_parquet(final_path))
    quantiles = pd.read_parquet(quantiles_path)
    quantiles = quantiles[quantiles["label"].isin(final["label"])]
    quantiles, final = quantiles[quantiles["init"] == init], final[final["init"] == init]
    first = final.iloc[0]
    title = f"{first['experiment']}: {first['dataset']} target, model {first['model']}, init seed {init}"
    paper = comparison(quantiles, setup) if setup is not None else None
    plot_norm_curves(quantiles, final, path, title, paper)
    with atomic_path(caption_path) as tmp:
        tmp.write_text(caption_numbers(final) + ("\n" + comparison_rst(paper) if paper is not None else ""))


def plot_norm_curves(
    quantiles: pd.DataFrame,
    final: pd.DataFrame,
    path: str | os.PathLike,
    title: str,
    paper: pd.DataFrame | None = None,
) -> None:
    """Draw the figure for one (data set, model, init seed).

    quantiles: rows of :func:`sgd_support.reporting.aggregate.trajectory_quantiles` for it;
    final: its rows of :func:`~sgd_support.reporting.aggregate.final_states` (diverged runs
    are listed in the panel, not drawn); paper: rows of
    :func:`sgd_support.experiments.synthetic.paper_comparison.comparison`, drawn as black-edged
    diamonds in the run's colour (a vertical bar where the paper gives a range).
    """
    lrs = sorted(final["lr"].unique())
    order = sort_runs(final.drop_duplicates(["optimizer", "batch"]))["label"].tolist()
    palette = colours(order)
    kinds = dict(zip(final["label"], final["kind"]))
    banded = False
    fig, axes = plt.subplots(
        len(PANELS),
        len(lrs),
        figsize=(max(5.2 * len(lrs), 7.5), 7.2),
        squeeze=False,
        sharex=True,
        sharey="row",
    )
    for j, lr in enumerate(lrs):
        at_lr = quantiles[quantiles["lr"] == lr]
        for i, (metric, ylabel, yscale) in enumerate(PANELS):
            ax = axes[i, j]
            end = at_lr.loc[at_lr["step"] > 0, "step"].max()
            for label in order:
                q = at_lr[(at_lr["label"] == label) & (at_lr["step"] > 0)]  # log x: the init is step 0
                if q.empty:
                    continue
                n = int(q["n_runs"].iloc[0])
                ax.plot(
                    q["step"], q[f"{metric}_q50"], "-", color=palette[label], lw=1.6, label=f"{label} (n={n})"
                )
                if n > 1:  # one run has no spread: its 10% and 90% are itself
                    ax.fill_between(
                        q["step"],
                        q[f"{metric}_q10"],
                        q[f"{metric}_q90"],
                        color=palette[label],
                        alpha=0.25,
                        lw=0,
                    )
                    banded = True
                if metric == HELD and kinds.get(label) == "gd" and q["step"].iloc[-1] < end:
                    _hold_flat(
                        ax, q["step"].iloc[-1], q[f"{metric}_q50"].iloc[-1], end, palette[label], label
                    )
            if i == 0 and paper is not None:
                _paper_markers(ax, paper[paper["lr"] == lr], palette)
            ax.set_xscale("log")
            ax.set_yscale(yscale)
            ax.set_ylabel(ylabel if j == 0 else "")
            if i == 0:
                ax.set_title(f"lr = {lr}")
                ax.set_ylim(bottom=0)
            if i == len(PANELS) - 1:
                ax.set_xlabel("step (parameter updates)")
            _note_diverged(ax, final[final["lr"] == lr])
    legend = {}  # one entry per label, from whichever panel drew it (a panel may be all diverged)
    for ax in axes[0]:
        legend.update(zip(*reversed(ax.get_legend_handles_labels())))
    labels, handles = list(legend), list(legend.values())
    fig.legend(
        handles,
        labels,
        loc="lower center",
        ncol=max(min(len(labels), 6), 1),
        frameon=False,
        bbox_to_anchor=(0.5, -0.04),
        title="median across order seeds, band: 10-90% (where n > 1)" if banded else "one run per line",
    )
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    save_figure(fig, path)


def _hold_flat(ax, last: int, value: float, end: int, colour, label: str) -> None:
    """GD's last value drawn on, dashed, from its last step to ``end`` (the SGD runs' last)."""
    ax.plot(
        [last, end],
        [value, value],
        "--",
        color=colour,
        lw=1.3,
        alpha=0.8,
        label=f"{label} held flat after step {int(last)}",
    )


def _paper_markers(ax, paper: pd.DataFrame, palette: dict) -> None:
    for label, rows in paper.groupby("label"):
        mid = (rows["paper_low"] + rows["paper_high"]) / 2
        ax.errorbar(
            rows["step"],
            mid,
            yerr=(rows["paper_high"] - rows["paper_low"]) / 2,
            fmt="D",
            ms=6,
            color=palette.get(label, "k"),
            mec="k",
            zorder=5,
        )
    if len(paper):
        ax.plot([], [], "D", color="w", mec="k", label=REFERENCE_LABEL)


def _note_diverged(ax, final: pd.DataFrame) -> None:
    bad = final[final["status"] != "completed"]
    if bad.empty:
        return
    counts = bad.groupby("label").size()
    text = "diverged (not drawn): " + ", ".join(f"{lab} x{n}" for lab, n in counts.items())
    ax.text(0.02, 0.02, text, transform=ax.transAxes, fontsize=8, color="darkred", va="bottom")


def caption_numbers(final: pd.DataFrame) -> str:
    """This run's numbers for the caption (reStructuredText): per lr, the final
    irrelevant norm of each optimizer, median [10%, 90%] across order seeds (just the
    value where there is one run)."""
    lines = [f"**This run** (initial irrelevant norm {final['init_irrelevant_norm'].iloc[0]:.3f}):", ""]
    for lr in sorted(final["lr"].unique()):
        at_lr = sort_runs(final[final["lr"] == lr])
        parts = []
        for label, group in at_lr.groupby("label", sort=False):
            done = group.loc[group["status"] == "completed", "final_irrelevant_norm"]
            steps = int(group["steps"].max())
            if done.empty:
                parts.append(f"{label}: all {len(group)} runs diverged")
                continue
            spread = median_spread(done.quantile(0.1), np.median(done), done.quantile(0.9), len(done), 3)
            failed = f", {len(group) - len(done)} diverged" if len(done) < len(group) else ""
            parts.append(f"{label} {spread} at step {steps}{failed}")
        lines.append(f"- lr {lr}: " + "; ".join(parts) + ".")
    return "\n".join(lines) + "\n"

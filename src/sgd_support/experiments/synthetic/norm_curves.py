"""Irrelevant norm ||W1[:, ~support]||_F (and full-data loss) against step, log x.

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
from sgd_support.experiments.synthetic.paper_comparison import comparison, comparison_rst
from sgd_support.reporting.aggregate import median_spread, sort_runs
from sgd_support.reporting.figure_style import colours, save_figure

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
    quantiles = pd.read_parquet(quantiles_path)
    final = pd.read_parquet(final_path)
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

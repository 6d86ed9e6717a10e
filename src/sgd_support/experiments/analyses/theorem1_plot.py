"""The E10 Theorem 1 per-step figure: excess D(t) over steps, and D(k)/k against lr^2/b."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import ticker

from sgd_support.experiments.analyses.plots import thin_log_labels
from sgd_support.reporting.figure_style import colours, save_figure

DODGE = 1.12  # x factor between the snapshots' markers of one cell on the right panel
FIT_STYLES = ("-", "--", "-.")  # the fitted line of each snapshot, in the order of the markers


def plot_theorem1(table: pd.DataFrame, fits: pd.DataFrame, curves: dict, path: str | os.PathLike) -> None:
    """A row per (dataset, model). Left: D(t) = log ||W1[:, r:]||_GD - log E||W1[:, r:]||_SGD
    against step t from the last snapshot, at the largest lr, a line per batch size (the
    report's colour of SGD-b), with the line D(k) t/k a per-step effect would follow
    (dotted). Right: D(k)/k against lr^2/b (log-log), a marker shape per snapshot in its
    batch size's colour with its +-2 s.e. (the snapshots side by side), the fitted
    lr^alpha b^-beta (black; solid, dashed: the first, second snapshot) and Theorem 1's
    W1-only prediction (hollow grey)."""
    pairs = list(table.groupby(["dataset", "model"], sort=True))
    fig, axes = plt.subplots(
        len(pairs), 2, figsize=(12, 4.6 * len(pairs)), squeeze=False, layout="constrained"
    )  # constrained: an x label never runs into the next row's titles
    markers = "os^Dv"
    for (ax_t, ax_f), ((dataset, model), rows) in zip(axes, pairs):
        last, top = rows["snapshot"].max(), rows["lr"].max()
        batches = sorted(rows["batch"].unique())
        palette = colours([f"SGD-{b}" for b in batches])  # the report's colour per batch size
        shown = []
        for b in batches:
            d = curves[(dataset, model, last, top, b)]
            t = np.arange(len(d))
            ax_t.plot(t, d, color=palette[f"SGD-{b}"], label=f"SGD-{b}")
            ax_t.plot(t, d[-1] * t / t[-1], ":", color=palette[f"SGD-{b}"])
            shown.append(d)
        ax_t.set(
            xlabel="steps t from the snapshot",
            ylabel="D(t) = log(GD / E SGD) of ||W1[:, r:]||",
            title=f"{dataset}/{model}: GD step-{last} weights, lr {top:g} (dotted: linear in t)",
        )
        _symlog_axis(ax_t, np.array([d[-1] for d in shown]))
        ax_t.legend(fontsize=7)
        snapshots = list(rows.groupby("snapshot"))
        for i, (marker, (snap, cells)) in enumerate(zip(markers, snapshots)):
            cells = cells[cells["finite"]]
            # side by side, not on top of each other: each snapshot's markers a little apart
            # in x (a log axis: a factor), the measured ones in their batch size's colour
            dodge = DODGE ** (i - (len(snapshots) - 1) / 2)
            x = cells["lr"] ** 2 / cells["batch"] * dodge
            for b, at_b in cells.assign(x=x).groupby("batch"):
                ax_f.errorbar(
                    at_b["x"],
                    at_b["excess_per_step"],
                    yerr=2 * at_b["se_per_step"],
                    fmt=marker,
                    color=palette[f"SGD-{b}"],
                    mec="k",
                    mew=0.5,
                    zorder=3,
                )
            ax_f.plot([], [], marker, color="w", mec="k", label=f"measured, GD step {snap}")
            ax_f.scatter(
                x, cells["predicted_per_step"], marker=marker, facecolors="none", edgecolors="grey", zorder=2
            )
            fit = fits[(fits["dataset"] == dataset) & (fits["model"] == model) & (fits["snapshot"] == snap)]
            if len(fit) and np.isfinite(fit["alpha"].iloc[0]):
                f = fit.iloc[0]
                model_y = (
                    cells["lr"] ** f["alpha"] * cells["batch"] ** -f["beta"] * cells["population_factor"]
                )
                scale = np.exp(np.mean(np.log(cells["excess_per_step"] / model_y)))
                order = np.argsort(x.to_numpy())
                ax_f.plot(
                    (x / dodge).to_numpy()[order],
                    (scale * model_y).to_numpy()[order],
                    color="k",
                    ls=FIT_STYLES[i % len(FIT_STYLES)],
                    lw=0.8,
                    label=f"fit step {snap}: lr^{f['alpha']:.2f} b^-{f['beta']:.2f}",
                )
        ax_f.plot([], [], "o", mfc="none", mec="grey", label="Theorem 1 (W1 only), predicted")
        for b in batches:
            ax_f.plot([], [], "s", color=palette[f"SGD-{b}"], label=f"SGD-{b}")
        ax_f.set(
            xscale="log",
            yscale="log",
            xlabel="lr^2 / b",
            ylabel="excess shrinkage per step D(k)/k",
            title=f"{dataset}/{model}: per-step excess vs lr^2/b",
        )
        thin_log_labels(ax_f.xaxis)
        thin_log_labels(ax_f.yaxis)
        ax_f.legend(fontsize=7, ncol=2)
    save_figure(fig, path)


def _symlog_axis(ax, ends: np.ndarray) -> None:
    """A symmetric log y axis for D(t): linear within a tenth of the smallest |D(k)| of the
    lines drawn (``ends``; every line ends in the log part, the noise around 0 stays in
    the linear part), labelled at 0 and at the decades beyond the linear part only: the
    ticks at +-linthresh sit one decade's height from 0, where their labels overlapped
    0's."""
    ends = np.abs(ends[np.isfinite(ends) & (ends != 0)])
    linthresh = float(ends.min()) / 10 if len(ends) else 1.0
    ax.set_yscale("symlog", linthresh=linthresh)
    ax.yaxis.set_major_locator(ticker.SymmetricalLogLocator(linthresh=linthresh, base=10))
    ax.yaxis.set_major_formatter(
        ticker.FuncFormatter(
            lambda y, _: "0" if y == 0 else ("" if abs(y) <= linthresh * 1.01 else _power(y))
        )
    )


def _power(y: float) -> str:
    """'$10^{k}$' or '$-10^{k}$' for a tick at a decade."""
    return f"${'-' if y < 0 else ''}10^{{{int(round(np.log10(abs(y))))}}}$"

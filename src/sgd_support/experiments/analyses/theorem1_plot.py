"""The E10 Theorem 1 per-step figure: excess D(t) over steps, and D(k)/k against lr^2/b."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sgd_support.experiments.analyses.plots import thin_log_labels
from sgd_support.reporting.figure_style import colours, save_figure


def plot_theorem1(table: pd.DataFrame, fits: pd.DataFrame, curves: dict, path: str | os.PathLike) -> None:
    """A row per (dataset, model). Left: D(t) = log ||W1[:, r:]||_GD - log E||W1[:, r:]||_SGD
    against step t from the last snapshot, at the largest lr, a line per batch size, with
    the line D(k) t/k a per-step effect would follow (dotted). Right: D(k)/k against
    lr^2/b (log-log), a marker per snapshot with its +-2 s.e., the fitted
    lr^alpha b^-beta (solid) and Theorem 1's W1-only prediction (hollow, dashed)."""
    pairs = list(table.groupby(["dataset", "model"], sort=True))
    fig, axes = plt.subplots(len(pairs), 2, figsize=(12, 4.4 * len(pairs)), squeeze=False)
    markers = "os^Dv"
    for (ax_t, ax_f), ((dataset, model), rows) in zip(axes, pairs):
        last, top = rows["snapshot"].max(), rows["lr"].max()
        batches = sorted(rows["batch"].unique())
        palette = colours([f"SGD-{b}" for b in reversed(batches)])  # the report's colour per batch size
        for b in batches:
            d = curves[(dataset, model, last, top, b)]
            t = np.arange(len(d))
            ax_t.plot(t, d, color=palette[f"SGD-{b}"], label=f"b {b}")
            ax_t.plot(t, d[-1] * t / t[-1], ":", color=palette[f"SGD-{b}"])
        ax_t.set(
            xlabel="steps t from the snapshot",
            ylabel="D(t) = log(GD / E SGD) of ||W1[:, r:]||",
            title=f"{dataset}/{model}: GD step-{last} weights, lr {top:g} (dotted: linear in t)",
        )
        ax_t.set_yscale("symlog", linthresh=max(1e-12, float(np.nanmin(np.abs(rows["excess_per_step"])))))
        ax_t.legend(fontsize=7)
        for marker, (snap, cells) in zip(markers, rows.groupby("snapshot")):
            cells = cells[cells["finite"]]
            x = cells["lr"] ** 2 / cells["batch"]
            ax_f.errorbar(
                x,
                cells["excess_per_step"],
                yerr=2 * cells["se_per_step"],
                fmt=marker,
                label=f"measured, GD step {snap}",
            )
            ax_f.scatter(x, cells["predicted_per_step"], marker=marker, facecolors="none", edgecolors="grey")
            fit = fits[(fits["dataset"] == dataset) & (fits["model"] == model) & (fits["snapshot"] == snap)]
            if len(fit) and np.isfinite(fit["alpha"].iloc[0]):
                f = fit.iloc[0]
                model_y = (
                    cells["lr"] ** f["alpha"] * cells["batch"] ** -f["beta"] * cells["population_factor"]
                )
                scale = np.exp(np.mean(np.log(cells["excess_per_step"] / model_y)))
                order = np.argsort(x.to_numpy())
                ax_f.plot(
                    x.to_numpy()[order],
                    (scale * model_y).to_numpy()[order],
                    "k-",
                    lw=0.8,
                    label=f"fit step {snap}: lr^{f['alpha']:.2f} b^-{f['beta']:.2f}",
                )
        ax_f.plot([], [], "o", mfc="none", mec="grey", label="Theorem 1 (W1 only), predicted")
        ax_f.set(
            xscale="log",
            yscale="log",
            xlabel="lr^2 / b",
            ylabel="excess shrinkage per step D(k)/k",
            title=f"{dataset}/{model}: per-step excess vs lr^2/b",
        )
        thin_log_labels(ax_f.xaxis)
        thin_log_labels(ax_f.yaxis)
        ax_f.legend(fontsize=7)
    save_figure(fig, path)

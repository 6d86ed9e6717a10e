"""Figures of the analyses: E11 statistics against batch size, E10 rate against lr/b,
and the E10 Theorem 1 per-step figure (excess D(t) over steps, and D(k)/k against
lr^2/b)."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.ticker import LogLocator

from sgd_support.reporting.figure_style import colours, run_colour, save_figure

E11_PANELS = (
    ("cos_init", "cos(W1 end, W1 init)", None),
    ("rel_dist", "||W1 end - W1 init|| / ||W1 init||", None),
    ("gram_agreement", "|Gram(W1 end)| agreement across inits", "gram_agreement_init"),
    ("block_share", "|Gram(W1 end)| mass in r x r block", "block_share_init"),
)


# Full-batch points at the right of the E11 panels: GD a square, GD+wd a diamond (both at
# the same x), edged in the paper's colour of that optimizer.
FULL_BATCH_MARKERS = {False: "s", True: "D"}


def thin_log_labels(axis) -> None:
    """Label a log axis between its powers of ten at 2x and 5x only. On an axis that spans
    about a decade matplotlib labels the minor ticks at 2, 3, 4 and 6x, and at the report
    style's font size those labels overlap. Call after setting the log scale (it resets
    the locators)."""
    axis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))


def lr_colours(lrs: list) -> dict:
    """A colour per learning rate, from dark (the first) to light on viridis; its
    yellow end is left out, too pale on white."""
    return dict(zip(lrs, plt.cm.viridis(np.linspace(0, 0.85, len(lrs)))))


def placeholder(path: str | os.PathLike, message: str) -> None:
    """A figure that only says why there is nothing to plot."""
    fig, ax = plt.subplots(figsize=(6, 2))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True)
    save_figure(fig, path)


def plot_init_dependence(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """One row of panels per (dataset, model): each statistic against batch size,
    a line per (optimizer, lr) with +-1 std across runs (colour: lr; dotted: weight
    decay), full batch as its own point at the right (GD a square edged red, GD+wd a
    diamond edged brown); dashed: the same statistic between the inits themselves."""
    cases = list(table.groupby(["dataset", "model"], sort=True))
    fig, axes = plt.subplots(
        len(cases), len(E11_PANELS), figsize=(4.2 * len(E11_PANELS), 3.4 * len(cases)), squeeze=False
    )
    lrs = sorted(table["lr"].unique())
    lr_palette = lr_colours(lrs)
    for row_axes, ((dataset, model), case) in zip(axes, cases):
        batches = sorted(case.loc[case["batch"] != "full", "batch_size"].unique())
        xpos = {b: i for i, b in enumerate(batches)}
        full_x = len(batches)
        for ax, (column, label, baseline) in zip(row_axes, E11_PANELS):
            for (optimizer, lr), group in case.groupby(["optimizer", "lr"], sort=False):
                style = {"color": lr_palette[lr], "ls": "-" if group["weight_decay"].iloc[0] == 0 else ":"}
                err = group.get(column + "_std")
                if (group["batch"] == "full").all():
                    decayed = group["weight_decay"].iloc[0] > 0
                    ax.errorbar(
                        [full_x],
                        group[column],
                        yerr=err,
                        fmt=FULL_BATCH_MARKERS[decayed],
                        ms=8,
                        mew=2,
                        capsize=3,
                        color=lr_palette[lr],
                        mec=run_colour("GD+wd" if decayed else "GD"),
                        label=f"{optimizer} lr {lr}",
                    )
                else:
                    x = [xpos[b] for b in group["batch_size"]]
                    ax.errorbar(
                        x,
                        group[column],
                        yerr=err,
                        marker="o",
                        capsize=3,
                        label=f"{optimizer} lr {lr}",
                        **style,
                    )
            if baseline:
                ax.axhline(case[baseline].mean(), color="grey", ls="--", lw=1, label="between inits")
            ticks = [f"{int(b)}" for b in batches] + (["full"] if (case["batch"] == "full").any() else [])
            ax.set_xticks(range(len(ticks)), ticks)
            ax.set_xlabel("batch size")
            ax.set_title(label, fontsize=9)
        row_axes[0].set_ylabel(f"{dataset} / {model}")
        row_axes[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(
        f"E11: dependence on the init vs batch size (mean over init seeds; n = "
        f"{int(table['n_inits'].max())} inits)"
    )
    fig.tight_layout()
    save_figure(fig, path)


def plot_rates(rates: pd.DataFrame, slopes: pd.DataFrame, path: str | os.PathLike) -> None:
    """One panel per (dataset, model, optimizer) of plain SGD: rate/lr against lr/b on
    log-log axes (colour: batch size, the report's colour of SGD-b; marker: lr), the
    fitted line with its slope and interval, a slope-1 guide (Theorem 1's second-order
    term) and GD's rate/lr per lr (GD's red, a line style per lr; where GD plateaus
    instead, a note)."""
    from sgd_support.experiments.analyses.decay_rate import sgd_fits

    fitted = sgd_fits(rates)
    fig, axes = plt.subplots(1, len(slopes), figsize=(6 * len(slopes), 4.6), squeeze=False)
    lrs = sorted(rates["lr_value"].unique())
    markers = dict(zip(lrs, "os^Dv<>ph*"))
    gd_styles = dict(zip(lrs, ("--", (0, (5, 1, 1, 1)), (0, (8, 3)), (0, (2, 2)))))
    batch_colours = colours([f"SGD-{int(b)}" for b in fitted["batch_size"].unique()])
    for ax, fit in zip(axes[0], slopes.itertuples()):
        mine = fitted[
            (fitted["dataset"] == fit.dataset)
            & (fitted["model"] == fit.model)
            & (fitted["optimizer"] == fit.optimizer)
        ]
        for (lr, b), group in mine.groupby(["lr_value", "batch_size"]):
            ax.scatter(
                group["lr_over_b"],
                group["rate_per_lr"],
                color=batch_colours[f"SGD-{int(b)}"],
                marker=markers.get(lr, "o"),
                label=f"lr {lr:g}, b {int(b)}",
                zorder=3,
            )
        if np.isfinite(fit.slope):
            x = _fitted_line(
                ax,
                mine["lr_over_b"],
                fit.intercept,
                fit.slope,
                color="k",
                label=f"fit: slope {fit.slope:.2f} [{fit.ci_low:.2f}, {fit.ci_high:.2f}]",
            )
            centre = np.exp(np.mean(np.log(mine["lr_over_b"]))), np.exp(np.mean(np.log(mine["rate_per_lr"])))
            ax.plot(x, centre[1] * x / centre[0], "k:", label="slope 1 (Theorem 1)")
        excess = mine[mine["excess_rate"] > 0]
        if len(excess):
            ax.scatter(
                excess["lr_over_b"],
                excess["excess_per_lr"],
                facecolors="none",
                edgecolors="grey",
                s=18,
                label="excess over GD (same init, lr, window)",
                zorder=2,
            )
        if np.isfinite(fit.excess_slope):
            _fitted_line(
                ax,
                excess["lr_over_b"],
                fit.excess_intercept,
                fit.excess_slope,
                color="grey",
                ls="-.",
                label=f"excess fit: slope {fit.excess_slope:.2f} [{fit.excess_ci_low:.2f}, "
                f"{fit.excess_ci_high:.2f}]",
            )
        gd = rates[
            (rates["dataset"] == fit.dataset)
            & (rates["model"] == fit.model)
            & ~np.isfinite(rates["lr_over_b"])
            & (rates["weight_decay"] == 0)
            & (rates["status"] == "completed")
        ]
        for lr, group in gd.groupby("lr_value"):
            decaying = group[group["rate"] > 0]
            if len(decaying):
                ax.axhline(
                    decaying["rate_per_lr"].median(),
                    color=run_colour("GD"),
                    ls=gd_styles.get(lr, "--"),
                    lw=1,
                    label=f"GD lr {lr:g} ({len(decaying)}/{len(group)} decaying)",
                )
        if len(gd) and not (gd["rate"] > 0).any():
            ax.text(
                0.02,
                0.02,
                f"GD: no phase-2 decay in {len(gd)} runs (plateau)",
                transform=ax.transAxes,
                fontsize=7,
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        thin_log_labels(ax.xaxis)
        thin_log_labels(ax.yaxis)
        ax.set_xlabel("lr / b")
        ax.set_ylabel("decay rate of irrelevant norm / lr  (per unit lr*step)")
        ax.set_title(
            f"{fit.dataset} / {fit.model} / {fit.optimizer}: {fit.n_fitted} runs, "
            f"median R^2 {fit.median_r2:.2f}",
            fontsize=9,
        )
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle("E10: phase-2 decay rate against lr/b")
    fig.tight_layout()
    save_figure(fig, path)


def _fitted_line(ax, x_values: pd.Series, intercept: float, slope: float, **style) -> np.ndarray:
    """Draw the fitted line log10(y) = intercept + slope log10(x) over the span of
    ``x_values``; return its x grid (50 points, log-spaced)."""
    x = np.logspace(np.log10(x_values.min()), np.log10(x_values.max()), 50)
    ax.plot(x, 10**intercept * x**slope, **style)
    return x


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

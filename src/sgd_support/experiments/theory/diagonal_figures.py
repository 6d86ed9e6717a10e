"""E12's figures: the layer that cuts each irrelevant coordinate against depth (Prop. 1),
|W1[j, j]| over steps for GD and SGD on misspecified data (Prop. 2), Theorem 2's time
against b and lr with the fitted lines, and App. J's counterexample over steps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sgd_support.experiments.theory import diagonal as dg
from sgd_support.experiments.theory import diagonal_runs as dr
from sgd_support.experiments.theory import targets as rows
from sgd_support.reporting.figure_style import colours, save_figure

LAYER_COLOURS = ("black", "tab:cyan", "tab:olive", "tab:pink", "tab:grey")  # layer 1, 2, ...


def run_label(run: dr.DiagonalRun) -> str:
    """GD, SGD-b, "SGD-b (with replacement)": the report's labels (colour per batch)."""
    if run.full_batch:
        return "GD"
    label = f"SGD-{run.coords['batch']}"
    return label + " (with replacement)" if run.config["optimizer"]["sampling"] == rows.WITH else label


def layer_vanished(run: dr.DiagonalRun, support: np.ndarray, relu: bool) -> np.ndarray:
    """(L, live irrelevant j) True where |W_l[j, j]| ended below VANISH of its init: GD
    cuts one layer per path (Prop. 1), SGD on misspecified data shrinks them all (Theorem 2)."""
    j = dr.irrelevant(support)
    start, end = dr.diagonals(run.init)[:, j], dr.diagonals(run.end)[:, j]
    live = ~dr.dead_paths(dr.diagonals(run.init))[j] if relu else np.ones(len(j), dtype=bool)
    return (np.abs(end) <= dr.VANISH * np.abs(start))[:, live]


def layers_figure(path, runs: list[dr.DiagonalRun], supports: dict) -> None:
    """Per series (GD with each activation on the linear target; GD and SGD on sine data),
    the share of live irrelevant coordinates whose weight in each layer vanished, against
    depth, with the Wilson interval of layer 1's and Prop. 1's 1/depth."""
    series = {}
    for r in runs:
        model = r.config["model"]
        if rows.PROP1 in r.roles:
            series.setdefault(f"GD, {model['activation']}, linear target", []).append(r)
        elif rows.PROP2 in r.roles:
            kind = "GD" if r.full_batch else "SGD"
            series.setdefault(f"{kind}, identity, sine ({r.coords['dataset']})", []).append(r)
    fig, axes = plt.subplots(1, len(series), figsize=(4.2 * len(series), 3.8), squeeze=False)
    for ax, (name, group) in zip(axes[0], sorted(series.items())):
        relu = "relu" in name
        depths = sorted({r.depth for r in group})
        for depth in depths:
            done = [r for r in group if r.depth == depth and r.status == "completed"]
            if not done:
                continue
            gone = np.concatenate(
                [layer_vanished(r, supports[r.coords["dataset"]], relu) for r in done], axis=1
            )
            for layer in range(depth):
                share = float(gone[layer].mean()) if gone.shape[1] else np.nan
                ax.plot(depth + 0.06 * layer, share, "o", color=LAYER_COLOURS[layer % 5])
            low, high = dr.wilson(int(gone[0].sum()), gone.shape[1])
            ax.vlines(depth, low, high, color=LAYER_COLOURS[0])
        grid = np.linspace(min(depths) - 0.2, max(depths) + 0.4, 50)
        ax.plot(grid, 1 / grid, "--", color="grey", label="1/depth (Prop. 1)")
        for layer in range(max(depths)):
            ax.plot([], [], "o", color=LAYER_COLOURS[layer % 5], label=f"layer {layer + 1}")
        ax.set(
            xlabel="depth",
            ylabel=f"share with |W_l[j,j]| < {dr.VANISH:g} init",
            title=name,
            ylim=(-0.02, 1.02),
        )
        ax.set_xticks(depths)
        ax.legend(fontsize=8)
    fig.suptitle("In which layers each irrelevant coordinate's weight vanished (bars: Wilson 95%, layer 1)")
    save_figure(fig, path)


def first_layer_figure(path, runs: list[dr.DiagonalRun], supports: dict) -> None:
    """|W1[j, j]| / init over steps on the misspecified data, a panel per data set: median
    over the irrelevant j and the completed runs (every lr), 10-90% band, per optimizer
    label (GD, SGD-b, with replacement dashed)."""
    chosen = [
        r for r in runs if rows.PROP2 in r.roles and r.status == "completed" and dr.has_first_layer_columns(r)
    ]
    datasets = sorted({r.coords["dataset"] for r in chosen})
    palette = colours(sorted({run_label(r) for r in chosen}))
    fig, axes = plt.subplots(1, len(datasets), figsize=(7 * len(datasets), 4.5), squeeze=False)
    for ax, dataset in zip(axes[0], datasets):
        here = [r for r in chosen if r.coords["dataset"] == dataset]
        for label in sorted({run_label(r) for r in here}):
            frames = []
            for r in (r for r in here if run_label(r) == label):
                j = dr.irrelevant(supports[dataset])
                w = np.abs(r.traj[[f"w0_{k}_{k}" for k in j]].to_numpy(dtype=np.float64))
                frames.append(pd.DataFrame(w / w[0], index=r.traj["step"].to_numpy()))
            values = pd.concat(frames, axis=1).sort_index().ffill()
            steps = np.maximum(values.index.to_numpy(), 1)
            style = {"color": palette[label], "ls": "--" if "with replacement" in label else "-"}
            ax.plot(steps, values.median(axis=1), label=label, **style)
            low, high = values.quantile(0.1, axis=1), values.quantile(0.9, axis=1)
            ax.fill_between(steps, low, high, alpha=0.12, color=style["color"])
        ax.axhline(dr.VANISH, color="grey", lw=0.8, ls=":", label=f"vanished ({dr.VANISH:g} of init)")
        ax.set(
            xscale="log", yscale="log", xlabel="step", ylabel="|W1[j,j]| / init (irrelevant j)", title=dataset
        )
        ax.legend(fontsize=8)
    fig.suptitle("First-layer irrelevant weights on misspecified data (median, 10-90%)")
    save_figure(fig, path)


def time_figure(path, times: pd.DataFrame, fit: dict) -> None:
    """Theorem 2's time against b (one line per lr) and against lr (one per b), with the
    fitted power law t = C b^beta / lr^alpha."""
    timed = times[np.isfinite(times["time"])]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    if len(timed) and np.isfinite(fit.get("alpha", np.nan)):
        c = np.exp(
            np.mean(
                np.log(timed["time"])
                - fit["beta"] * np.log(timed["batch"])
                + fit["alpha"] * np.log(timed["lr"])
            )
        )
    else:
        c = np.nan
    for ax, (x, other) in zip(axes, (("batch", "lr"), ("lr", "batch"))):
        for value, group in timed.groupby(other):
            line = ax.plot(group[x], group["time"], "o", alpha=0.6, label=f"{other} {value:g}")[0]
            grid = np.geomspace(group[x].min(), group[x].max(), 20)
            b, lr = (grid, value) if x == "batch" else (value, grid)
            if np.isfinite(c):
                ax.plot(grid, c * b ** fit["beta"] / lr ** fit["alpha"], color=line.get_color())
        ax.set(xscale="log", yscale="log", xlabel=x, ylabel="steps until |W1[j,j]| < 0.1 init")
        ax.legend(fontsize=8)
    if np.isfinite(c):
        fig.suptitle(
            f"Theorem 2's time: t ~ b^{fit['beta']:.2f} / eta^{fit['alpha']:.2f} (the theorem: b / eta^2)"
        )
    save_figure(fig, path)


def counterexample_figure(path, runs: list[dr.DiagonalRun]) -> None:
    """App. J: ||W1[:, 1:]|| / start and the loss over steps, per optimizer."""
    chosen = [r for r in runs if rows.PROP6 in r.roles]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for r in chosen:
        label = dg.counterexample_numbers(r)["label"]
        step = np.maximum(r.traj["step"], 1)
        norm = r.traj["irrelevant_norm"] / r.traj["irrelevant_norm"].iloc[0]
        ls = ":" if "label noise" in label else "-"
        colour = colours([label.split(" +")[0]])[label.split(" +")[0]]
        axes[0].plot(step, norm, ls=ls, color=colour, label=label)
        axes[1].plot(step, r.traj["full_loss"], ls=ls, color=colour, label=label)
    axes[0].axhline(dg.KEEP_SHARE, color="grey", lw=0.8, ls=":")
    axes[0].set(xscale="log", xlabel="step", ylabel="||W1[:, 1:]|| / start", title="irrelevant weights")
    axes[1].set(xscale="log", yscale="log", xlabel="step", ylabel="training loss", title="loss")
    axes[0].legend(fontsize=8)
    fig.suptitle("App. J: a ReLU network of width 3 fits y = x[0] without cutting x[1:]")
    save_figure(fig, path)

"""E12's figures: the layer that cuts each irrelevant coordinate against depth (Prop. 1),
|W1[j, j]| over steps for GD and SGD on misspecified data (Prop. 2), Theorem 2's time
against b and lr with the fitted lines, and App. J's counterexample over steps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sgd_support.experiments.theory import diagonal as dg
from sgd_support.experiments.theory import targets as rows
from sgd_support.reporting.figure_style import colours, save_figure

LAYER_COLOURS = ("black", "tab:cyan", "tab:olive", "tab:pink", "tab:grey")  # layer 1, 2, ...


def run_label(run: dg.DiagonalRun) -> str:
    """GD, SGD-b, "SGD-b (with replacement)": the report's labels (colour per batch)."""
    if run.full_batch:
        return "GD"
    label = f"SGD-{run.coords['batch']}"
    return label + " (with replacement)" if run.config["optimizer"]["sampling"] == rows.WITH else label


def layers_figure(path, runs: list[dg.DiagonalRun], supports: dict) -> None:
    """Per series (GD with each activation on the linear target; SGD on sine data), the
    share of cut irrelevant coordinates cut in each layer against depth, with the Wilson
    interval of layer 1's and Prop. 1's 1/depth."""
    series = {}
    for r in runs:
        model = r.config["model"]
        if rows.PROP1 in r.roles:
            series.setdefault(f"GD, {model['activation']}, linear target", []).append(r)
        elif rows.PROP2 in r.roles:
            series.setdefault(f"{'GD' if r.full_batch else 'SGD'}, identity, sine target", []).append(r)
    fig, axes = plt.subplots(1, len(series), figsize=(4.2 * len(series), 3.8), squeeze=False)
    for ax, (name, group) in zip(axes[0], sorted(series.items())):
        relu = "relu" in name
        depths = sorted({r.depth for r in group})
        for depth in depths:
            done = [r for r in group if r.depth == depth and r.status == "completed"]
            if not done:
                continue
            cells = pd.concat([dg.cut_layers(r, supports[r.coords["dataset"]], relu) for r in done])
            cut = cells[cells["learned"] & ~cells["dead"]]
            for layer in range(1, depth + 1):
                share = float((cut["layer"] == layer).mean()) if len(cut) else np.nan
                ax.plot(depth + 0.06 * (layer - 1), share, "o", color=LAYER_COLOURS[(layer - 1) % 5])
            low, high = dg.wilson(int((cut["layer"] == 1).sum()), len(cut))
            ax.vlines(depth, low, high, color=LAYER_COLOURS[0])
        grid = np.linspace(min(depths) - 0.2, max(depths) + 0.4, 50)
        ax.plot(grid, 1 / grid, "--", color="grey", label="1/depth (Prop. 1)")
        for layer in range(1, max(depths) + 1):
            ax.plot([], [], "o", color=LAYER_COLOURS[(layer - 1) % 5], label=f"layer {layer}")
        ax.set(xlabel="depth", ylabel="share of cut coordinates", title=name, ylim=(-0.02, 1.02))
        ax.set_xticks(depths)
        ax.legend(fontsize=8)
    fig.suptitle("Which layer cuts each irrelevant coordinate (bars: Wilson 95% of layer 1's share)")
    save_figure(fig, path)


def first_layer_figure(path, runs: list[dg.DiagonalRun], supports: dict) -> None:
    """|W1[j, j]| / init over steps on the misspecified data: median over the irrelevant
    j and runs, 10-90% band, per optimizer label (GD, SGD-b, with replacement dashed)."""
    chosen = [r for r in runs if rows.PROP2 in r.roles and dg.has_first_layer_columns(r)]
    labels = sorted({run_label(r) for r in chosen})
    palette = colours(labels)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label in labels:
        frames = []
        for r in (r for r in chosen if run_label(r) == label):
            j = dg.irrelevant(supports[r.coords["dataset"]])
            w = np.abs(r.traj[[f"w0_{k}_{k}" for k in j]].to_numpy(dtype=np.float64))
            frames.append(pd.DataFrame(w / w[0], index=r.traj["step"].to_numpy()))
        values = pd.concat(frames, axis=1).sort_index().ffill()
        steps = values.index.to_numpy()
        style = {"color": palette[label], "ls": "--" if "with replacement" in label else "-"}
        ax.plot(np.maximum(steps, 1), values.median(axis=1), label=label, **style)
        ax.fill_between(
            np.maximum(steps, 1),
            values.quantile(0.1, axis=1),
            values.quantile(0.9, axis=1),
            alpha=0.15,
            **style,
        )
    ax.axhline(dg.VANISH, color="grey", lw=0.8, ls=":", label=f"vanished ({dg.VANISH:g} of init)")
    ax.set(xscale="log", yscale="log", xlabel="step", ylabel="|W1[j,j]| / init (irrelevant j)")
    ax.set_title("First-layer irrelevant weights on misspecified data (median, 10-90%)")
    ax.legend(fontsize=8)
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


def counterexample_figure(path, runs: list[dg.DiagonalRun]) -> None:
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

"""Figures of the toy model f(x) = a*b*x: Fig. 9 (loss landscape with trajectories)
and Fig. 4 (a and b over steps per optimizer)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from sgd_support.experiments.toy.analysis import ToyRun
from sgd_support.reporting.figure_style import colours, save_figure

# The landscape's colour map: white (low loss) to mid grey, so the runs' colours (and
# the dark end of the SGD palette) stand out on it; a coloured map hid the
# trajectories near the minima, and black at high loss would hide them there.
LANDSCAPE_CMAP = ListedColormap(plt.cm.Greys(np.linspace(0.0, 0.6, 256)))
MINIMA_COLOUR = "black"  # the manifold of minima lies in the lightest part of the map


def run_styles(runs: list[ToyRun]) -> dict[str, dict]:
    """Line style per run label: its colour in the report's one mapping (GD red, GD+wd
    brown, batch-1 SGD purple, shuffled a lighter purple; the same label has the same
    colour in every panel); shuffled SGD dashed (it overlaps SGD in order)."""
    labels = sorted({run.label for run in runs})
    palette = colours(labels)
    return {label: {"color": palette[label], "ls": "--" if "shuffled" in label else "-"} for label in labels}


def landscape_figure(path, x: np.ndarray, y: np.ndarray, runs: list[ToyRun]) -> None:
    """Contours of log10 of the MSE mean((a*b*x - y)^2) over the (a, b) plane, the
    manifold of minima a*b = c (c = mean(xy) / mean(x^2)), the min-norm minimum
    (sqrt(c), sqrt(c)) and each run's trajectory. ``runs`` share the data (x, y)."""
    x, y = np.ravel(x).astype(np.float64), np.ravel(y).astype(np.float64)
    c = float(np.mean(x * y) / np.mean(x * x))
    ab = np.concatenate([r.traj[["a", "b"]].to_numpy() for r in runs] + [[[np.sqrt(abs(c))] * 2]])
    lo, hi = np.minimum(ab.min(axis=0), 0) - 0.3, ab.max(axis=0) + 0.3
    ga, gb = np.meshgrid(np.linspace(lo[0], hi[0], 300), np.linspace(lo[1], hi[1], 300))
    p = ga * gb  # the loss depends on a*b only: mean(x^2) p^2 - 2 mean(xy) p + mean(y^2)
    loss = np.mean(x * x) * p * p - 2 * np.mean(x * y) * p + np.mean(y * y)
    styles = run_styles(runs)
    fig, ax = plt.subplots(figsize=(6.5, 5))
    ax.grid(False)  # grid lines over the landscape read as contours
    filled = ax.contourf(ga, gb, np.log10(loss - loss.min() + 1e-3), levels=30, cmap=LANDSCAPE_CMAP)
    fig.colorbar(filled, ax=ax, label="log10(loss - min loss + 1e-3)")
    ax.contour(ga, gb, p, levels=[c], colors=MINIMA_COLOUR, linewidths=1.5)
    ax.plot([], [], color=MINIMA_COLOUR, label=f"minima a*b = {c:.3g}")
    root = np.sqrt(abs(c))
    ax.plot(root, root, marker="*", ms=14, color="white", mec="black", ls="", label="min-norm minimum")
    for run in runs:
        ax.plot(run.traj["a"], run.traj["b"], lw=1.2, alpha=0.8, label=run.label, **styles[run.label])
        ax.plot(*run.end(), marker="o", color=styles[run.label]["color"], mec="black")
    (a0, b0) = runs[0].start()
    ax.plot(a0, b0, marker="s", color="black", ls="", label=f"start ({a0:g}, {b0:g})")
    ax.set(
        xlabel="a",
        ylabel="b",
        xlim=(lo[0], hi[0]),
        ylim=(lo[1], hi[1]),
        title=f"f(x) = a b x on {runs[0].coords['dataset']} (lr {runs[0].spec['lr']:g})",
    )
    # below the axes: inside, any corner covers a trajectory or the start point
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize=8, frameon=False)
    save_figure(fig, path)


def ab_figure(path, runs_by_dataset: dict[str, list[ToyRun]], floor: float = 1e-20) -> None:
    """One row per data set: |a| and |b| (log scale) over steps, a line per optimizer.
    A row's steps end where every run's |b| has fallen below ``floor`` (D2's b keeps
    shrinking into the float32 subnormals, which shows nothing more)."""
    names = sorted(runs_by_dataset)
    styles = run_styles([run for runs in runs_by_dataset.values() for run in runs])
    fig, axes = plt.subplots(len(names), 2, figsize=(11, 3.2 * len(names)), squeeze=False)
    for row, name in zip(axes, names):
        runs = runs_by_dataset[name]
        alive = [r.traj["step"].to_numpy()[np.abs(r.traj["b"].to_numpy()) >= floor] for r in runs]
        last = max(int(np.max(steps, initial=1)) for steps in alive)
        for run in runs:
            shown = run.traj[run.traj["step"] <= last]
            for ax, col in zip(row, ("a", "b")):
                values = np.abs(shown[col].to_numpy())
                values = np.where(values > 0, values, np.nan)  # log axis: no zeros
                ax.plot(shown["step"], values, label=run.label, **styles[run.label])
        for ax, col in zip(row, ("a", "b")):
            ax.set(yscale="log", xlabel="step", ylabel=f"|{col}|", title=f"{name}: |{col}| over steps")
            ax.set_xscale("symlog", linthresh=100)
            ax.set_xlim(0, last)
        row[0].legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)

"""E13's figures, one per panel (:data:`~sgd_support.experiments.theory.targets.PANELS`),
a column per (data set, model):

- increasing_steps (Prop. 7): the share of steps on which ||W1[:, r:]|| grows, by batch
  size, and the norm over the dense record;
- weight_decay (Props. 9, 10): ||W1[:, r:]|| over steps with weight decay, with the
  tail's exponential fit and App. K.5's bound (1 - eta lambda)^t;
- oscillation: GD against GD with label noise, SGD without / with replacement / online;
- momentum_adam: momentum and Adam beside plain SGD, by batch size.

Colours are the paper's per optimizer (GD red, SGD by batch size,
:mod:`sgd_support.reporting.figure_style`); line styles tell the variants apart.
"""

from __future__ import annotations

import math
import os

import matplotlib.pyplot as plt
import numpy as np

from sgd_support.experiments.theory.optimizers import OptRun, decay_fit, increases
from sgd_support.experiments.theory.targets import panel_of
from sgd_support.reporting.catalog import is_paper_update
from sgd_support.reporting.figure_style import colours, save_figure

PANEL_WIDTH, PANEL_HEIGHT = 4.6, 3.4  # inches per (data set, model) column


def _style(run: OptRun) -> dict:
    """Line style of a variant: solid plain; dashed with replacement or momentum; dotted
    online or Adam without weight decay; dash-dot label noise or Adam with L2; long dashes
    AdamW."""
    axis = run.axis
    if axis["adam"] is not None:
        if axis["weight_decay"] == 0:
            return {"linestyle": ":"}
        return {"linestyle": (0, (8, 3))} if axis["adam"]["decoupled"] else {"linestyle": "-."}
    if axis["label_noise"] > 0:
        return {"linestyle": "-."}
    if axis["sampling"] == "online":
        return {"linestyle": ":"}
    if axis["sampling"] == "with_replacement" or axis["momentum"] > 0:
        return {"linestyle": "--"}
    return {"linestyle": "-"}


def _colour_key(run: OptRun) -> str:
    """The paper's colour name of a run's batch size: GD (red) or SGD-b, whatever the variant."""
    key = "GD" if run.batch is None else f"SGD-{run.batch}"
    return key + ("+wd" if run.axis["weight_decay"] > 0 and run.axis["adam"] is None else "")


def _first_seeds(runs: list[OptRun]) -> list[OptRun]:
    """One run per label (its lowest seeds), so each curve is one trajectory."""
    first = {}
    for run in sorted(runs, key=lambda r: (int(r.coords["init"]), int(r.coords["order"]))):
        first.setdefault((run.label, run.lr), run)
    return list(first.values())


def _columns(runs: list[OptRun], rows: int = 1, key=lambda run: run.pair):
    """A figure with a column per value of ``key`` over ``runs`` (default: the pair)."""
    columns = sorted({key(r) for r in runs})
    fig, axes = plt.subplots(
        rows, len(columns), figsize=(PANEL_WIDTH * len(columns), PANEL_HEIGHT * rows), squeeze=False
    )
    return fig, axes, columns


def _norm_curves(ax, runs: list[OptRun], log_x: bool = True) -> None:
    palette = colours([_colour_key(r) for r in runs])
    for run in _first_seeds(runs):
        frame = run.traj[run.traj["step"] > 0] if log_x else run.traj
        ax.plot(
            frame["step"],
            frame["irrelevant_norm"],
            color=palette[_colour_key(run)],
            label=f"{run.label} (lr {run.lr:g})",
            **_style(run),
        )
    ax.set_yscale("log")
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("||W1[:, r:]||")
    ax.legend(fontsize=6, loc="lower left")


def increasing_steps_figure(path: str | os.PathLike, runs: list[OptRun]) -> None:
    """Prop. 7: share of increasing steps by batch size (top) and the norm over the dense
    record relative to its start (bottom)."""
    fig, axes, pairs = _columns(runs, rows=2)
    for col, pair in enumerate(pairs):
        mine = [r for r in runs if r.pair == pair]
        labels = list(dict.fromkeys(r.label for r in sorted(mine, key=lambda r: -(r.batch or math.inf))))
        palette = colours(labels)
        shares = []
        for label in labels:
            counts = [increases(r) for r in mine if r.label == label]
            shares.append(sum(c["increasing"] for c in counts) / max(sum(c["steps"] for c in counts), 1))
        ax = axes[0, col]
        ax.bar(labels, shares, color=[palette[lab] for lab in labels])
        ax.set_ylabel("share of steps where ||W1[:, r:]|| grows")
        ax.set_title(f"{pair[0]} / {pair[1]}", fontsize=9)
        ax.tick_params(axis="x", labelrotation=30)
        ax = axes[1, col]
        for run in _first_seeds(mine):
            last = run.dense_until()
            frame = run.traj[run.traj["step"] <= last]
            ax.plot(
                frame["step"], frame["irrelevant_norm"] / run.at(0), color=palette[run.label], label=run.label
            )
        ax.set_xlabel("step (every step recorded)")
        ax.set_ylabel("||W1[:, r:]|| / its init")
        ax.legend(fontsize=7)
    save_figure(fig, path)


def weight_decay_figure(path: str | os.PathLike, runs: list[OptRun]) -> None:
    """Props. 9, 10: ||W1[:, r:]|| over steps with weight decay; dashed: the tail's
    exponential fit; dotted: (1 - eta lambda)^t from the init (App. K.5's bound)."""
    fig, axes, pairs = _columns(runs)
    for col, pair in enumerate(pairs):
        ax = axes[0, col]
        mine = _first_seeds([r for r in runs if r.pair == pair])
        _norm_curves(ax, mine, log_x=False)
        palette = colours([_colour_key(r) for r in mine])
        for run in mine:
            fit = decay_fit(run)
            steps = np.linspace(fit["tail_start"], run.steps, 50)
            ax.plot(
                steps,
                np.exp(fit["intercept"] - fit["rate"] * steps),
                color=palette[_colour_key(run)],
                linestyle="--",
                linewidth=2.5,
                alpha=0.5,
            )
            whole = np.linspace(0, run.steps, 200)
            ax.plot(
                whole, run.at(0) * np.exp(-fit["bound"] * whole), color="grey", linestyle=":", linewidth=1
            )
        ax.set_title(f"{pair[0]} / {pair[1]}: tail fit dashed, bound dotted", fontsize=9)
    save_figure(fig, path)


def _part(run: OptRun) -> str:
    """Which column of the oscillation or momentum_adam panel draws a run."""
    if run.axis["adam"] is not None:
        return "Adam"
    if run.batch is None:
        return "GD and label noise"
    if run.axis["sampling"] != "without_replacement":
        return "sampling"
    return "momentum" if run.axis["momentum"] > 0 else "plain SGD"


def norm_figure(path: str | os.PathLike, runs: list[OptRun]) -> None:
    """||W1[:, r:]|| over steps (log-log), a column per (pair, part): GD beside GD with
    label noise; SGD's samplers; momentum beside plain SGD; Adam's variants."""
    parts = {r.pair: {_part(o) for o in runs if o.pair == r.pair} for r in runs}

    def column(run: OptRun) -> tuple:
        part = _part(run)
        if part == "plain SGD":  # plain SGD joins the samplers, or momentum, of its pair
            part = "sampling" if "sampling" in parts[run.pair] else "momentum"
        return (*run.pair, part)

    fig, axes, columns = _columns(runs, key=column)
    for col, (dataset, model, part) in enumerate(columns):
        _norm_curves(axes[0, col], [r for r in runs if column(r) == (dataset, model, part)])
        axes[0, col].set_title(f"{dataset} / {model}: {part}", fontsize=9)
    save_figure(fig, path)


def panel_runs(panel: str, runs: list[OptRun]) -> list[OptRun]:
    """The runs a panel draws: those that define it (targets.panel_of), and for the
    oscillation and momentum_adam panels the plain runs without weight decay of the
    same data sets and models (SGD only for momentum_adam), to compare with."""
    defining = [r for r in runs if r.status == "completed" and panel_of(r.axis, r.activation) == panel]
    if panel in ("oscillation", "momentum_adam"):
        pairs = {r.pair for r in defining}
        plain = [
            r for r in runs if r.pair in pairs and is_paper_update(r.axis) and r.axis["weight_decay"] == 0
        ]
        if panel == "momentum_adam":  # compared with plain SGD only
            plain = [r for r in plain if r.batch is not None]
        return defining + [r for r in plain if r.status == "completed"]
    return defining


def draw_panel(panel: str, path: str | os.PathLike, runs: list[OptRun]) -> None:
    """The figure of ``panel`` from the runs it draws (:func:`panel_runs`)."""
    chosen = panel_runs(panel, runs)
    if not chosen:
        raise ValueError(f"no runs for the E13 panel {panel!r}")
    draw = {"increasing_steps": increasing_steps_figure, "weight_decay": weight_decay_figure}
    draw.get(panel, norm_figure)(path, chosen)

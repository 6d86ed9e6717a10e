"""What the theory family makes from the config's runs: E12 (diagonal networks) and
E13 (the optimizer axis: Props. 7, 9, 10, label noise, sampling; momentum and Adam
beyond the paper). A config without the runs a part needs makes none of it.

The path patterns below are the rules' outputs, typed here once."""

from __future__ import annotations

from sgd_support.sweep.targets import Run, Targets

# --- E13: the optimizer axis (rules theory_optimizers, theory_optimizers_figure) -----------

OPTIMIZER_CLAIMS = "results/claims/theory_optimizers.parquet"
OPTIMIZER_TABLE = "results/theory/optimizers/table.tsv"
OPTIMIZER_FIGURE = "results/theory/optimizers/{panel}.png"

# E13's runs, chosen by their properties (never by sweep or optimizer names): every run on
# a data set of kind synthetic with a fully connected ("dense") model. Among them each
# figure panel, and the claim rows it illustrates, needs runs of one kind:
#   increasing_steps (Prop. 7): plain GD or SGD (no weight decay, label noise, momentum or
#     Adam; sampling without replacement) of a linear network (activation identity);
#   weight_decay (Props. 9, 10): plain GD or SGD with weight decay > 0;
#   oscillation (label noise, sampling): GD or SGD with label_noise > 0 or with sampling
#     with_replacement / online, beside their plain partners;
#   momentum_adam (beyond the paper): SGD with momentum > 0 or with adam.
PANELS = ("increasing_steps", "weight_decay", "oscillation", "momentum_adam")


def optimizer_axis(optimizer: dict) -> dict:
    """The fields of an optimizer's config entry that set its place on E13's axis:
    weight_decay, sampling, label_noise, momentum, nesterov and adam (a dict, or None for
    plain SGD). ``optimizer`` is the config's entry, or the one a run's files store: files
    (and configs) written before a key existed lack it, and such runs trained without it,
    hence each fallback (the values that mean "off", as the schema's defaults do)."""
    return {
        "weight_decay": float(optimizer.get("weight_decay", 0.0)),
        "sampling": optimizer.get("sampling", "without_replacement"),
        "label_noise": float(optimizer.get("label_noise", 0.0)),
        "momentum": float(optimizer.get("momentum", 0.0)),
        "nesterov": bool(optimizer.get("nesterov", False)),
        "adam": optimizer.get("adam"),
    }


def plain_update(axis: dict) -> bool:
    """GD or SGD as the paper runs it: no momentum, Adam or label noise, batches drawn
    without replacement (weight decay allowed)."""
    return (
        axis["sampling"] == "without_replacement"
        and axis["label_noise"] == 0
        and axis["momentum"] == 0
        and axis["adam"] is None
    )


def panel_of(axis: dict, activation: str) -> str | None:
    """The figure panel a run of an optimizer with ``axis`` and a model of ``activation``
    defines (see PANELS); None for a plain run without weight decay of a ReLU network."""
    if axis["momentum"] > 0 or axis["adam"] is not None:
        return "momentum_adam"
    if axis["label_noise"] > 0 or axis["sampling"] != "without_replacement":
        return "oscillation"
    if axis["weight_decay"] > 0:
        return "weight_decay"
    return "increasing_steps" if activation == "identity" else None


def optimizer_runs(config: dict, runs: list[Run]) -> list[Run]:
    """E13's runs: those on synthetic data sets with a dense (fully connected) model."""
    return [
        run
        for run in runs
        if config["datasets"][run["dataset"]]["kind"] == "synthetic"
        and config["models"][run["model"]].get("structure", "dense") == "dense"
    ]


def optimizer_panels(config: dict, runs: list[Run]) -> list[str]:
    """The panels (in PANELS order) whose defining runs the config has."""
    found = {
        panel_of(
            optimizer_axis(config["optimizers"][run["optimizer"]]),
            config["models"][run["model"]]["activation"],
        )
        for run in optimizer_runs(config, runs)
    }
    return [panel for panel in PANELS if panel in found]


def optimizer_targets(config: dict, runs: list[Run]) -> Targets:
    """E13's table, claims and the figure of each panel the config has runs for."""
    if not optimizer_runs(config, runs):
        return Targets()
    figures = [OPTIMIZER_FIGURE.format(panel=panel) for panel in optimizer_panels(config, runs)]
    return Targets(report=[OPTIMIZER_TABLE, *figures], claims=[OPTIMIZER_CLAIMS])


def targets(config: dict, runs: list[Run]) -> Targets:
    return optimizer_targets(config, runs)

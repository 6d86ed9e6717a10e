"""What the theory family makes from the config's runs, and which runs each row reads:
E12 (diagonal networks and App. J's counterexample) and E13 (the optimizer axis: Props.
7, 9, 10, label noise, sampling; momentum and Adam beyond the paper).

E12 selects its runs by their
properties, read from the config's entries (never from sweep names):

- **Prop. 1** (GD on a well-specified target): models with ``structure: diagonal``,
  trained full-batch by a *plain* optimizer (no weight decay, label noise, momentum or
  Adam), on a ``synthetic`` data set with ``target: linear``; one decision per
  activation (identity, relu) and depth.
- **Prop. 2 / Theorem 2** (SGD on misspecified data): diagonal models with identity
  activation on a ``synthetic`` data set with ``target: sine`` (E[y x_j] = 0 off the
  support, but the best linear fit leaves a residual), plain optimizers: the SGD runs
  against the GD runs of the same data set, model and init seed.
- **Theorem 2's time**: of those, depth-2 models and SGD without replacement, over the
  config's batch sizes and lrs (two of each at least).
- **Theorem 2's last line**: of those, runs that differ only in the optimizer's
  ``sampling`` (without vs with replacement): same data set, model, lr, batch, init
  and order seed.
- **Prop. 6 / App. J**: dense ReLU models on ``relu_counterexample`` data sets; the
  plain full-batch runs decide, the others (SGD, label noise) are contrasts.

E13's selection is written beside its paths below. A config without the runs a part
needs makes none of its files. The path patterns are the rules' outputs
(workflow/rules/theory.smk), typed here once.
"""

from __future__ import annotations

from sgd_support.sweep.runs import is_full_batch
from sgd_support.sweep.targets import Run, Targets

# --- E12: diagonal networks and App. J (rules theory_diagonal, theory_diagonal_figure) -----

DIAGONAL_CLAIMS = "results/claims/theory_diagonal.parquet"
DIAGONAL_TABLE = "results/theory/diagonal/table.tsv"
DIAGONAL_FIGURE = "results/theory/diagonal/{figure}.png"
# The figures, each made when its rows' runs are in the config: the layer in which
# irrelevant coordinates vanish against depth; |W1[j, j]| over steps, GD vs SGD; Theorem
# 2's time against b and lr; App. J's irrelevant norm and loss over steps.
LAYERS, FIRST_LAYER, TIME, COUNTEREXAMPLE = "layers", "first_layer", "time", "counterexample"
DIAGONAL_FIGURES = (LAYERS, FIRST_LAYER, TIME, COUNTEREXAMPLE)

# The rows' names (a run serves one or more of them: :func:`diagonal_roles`)
PROP1, PROP2, THEOREM2_TIME, REPLACEMENT, PROP6 = "prop1", "prop2", "theorem2_time", "replacement", "prop6"
ROW_FIGURE = {PROP1: LAYERS, PROP2: FIRST_LAYER, THEOREM2_TIME: TIME, PROP6: COUNTEREXAMPLE}
WITHOUT, WITH = "without_replacement", "with_replacement"


def is_plain(optimizer: dict) -> bool:
    """An optimizer that is plain (S)GD: no weight decay, label noise, momentum or Adam
    (the statements of E12 are about those)."""
    extras = ("weight_decay", "label_noise", "momentum", "adam")
    return not any(optimizer.get(key) for key in extras)


def is_diagonal(model: dict) -> bool:
    return model.get("structure") == "diagonal"


def synthetic_target(dataset: dict) -> str | None:
    return dataset.get("target") if dataset["kind"] == "synthetic" else None


def diagonal_roles(dataset: dict, model: dict, optimizer: dict) -> set[str]:
    """The E12 rows that a run with these config entries (schema-filled) serves."""
    if not is_plain(optimizer):
        return {PROP6} if dataset["kind"] == "relu_counterexample" and not is_diagonal(model) else set()
    if dataset["kind"] == "relu_counterexample":
        return set() if is_diagonal(model) or model["activation"] != "relu" else {PROP6}
    if not is_diagonal(model):
        return set()
    target, full = synthetic_target(dataset), is_full_batch(optimizer)
    if target == "linear":
        return {PROP1} if full else set()
    if target != "sine" or model["activation"] != "identity":
        return set()
    roles = {PROP2}
    if not full and model["depth"] == 2:
        roles.add(REPLACEMENT)
        if optimizer["sampling"] == WITHOUT:
            roles.add(THEOREM2_TIME)
    return roles


def run_roles(config: dict, run: Run) -> set[str]:
    return diagonal_roles(
        config["datasets"][run["dataset"]],
        config["models"][run["model"]],
        config["optimizers"][run["optimizer"]],
    )


def diagonal_runs(config: dict, runs: list[Run]) -> list[Run]:
    """The runs some E12 row reads, in the config's order."""
    return [run for run in runs if run_roles(config, run)]


def diagonal_datasets(config: dict, runs: list[Run]) -> list[str]:
    """Sorted data sets of the E12 runs (the analysis measures the misfit on them)."""
    return sorted({run["dataset"] for run in diagonal_runs(config, runs)})


def diagonal_figures(config: dict, runs: list[Run]) -> list[str]:
    """The E12 figures whose rows have runs (Theorem 2's time needs 2 lrs or 2 batches)."""
    roles = set().union(*(run_roles(config, run) for run in runs)) if runs else set()
    if THEOREM2_TIME in roles:
        timed = [r for r in runs if THEOREM2_TIME in run_roles(config, r)]
        if len({r["lr"] for r in timed}) < 2 and len({r["batch"] for r in timed}) < 2:
            roles.discard(THEOREM2_TIME)
    names = [ROW_FIGURE[role] for role in (PROP1, PROP2, THEOREM2_TIME, PROP6) if role in roles]
    return [DIAGONAL_FIGURE.format(figure=name) for name in names]


def diagonal_targets(config: dict, runs: list[Run]) -> Targets:
    """E12's table, claims and the figures whose rows have runs."""
    if not diagonal_runs(config, runs):
        return Targets()
    return Targets(report=[DIAGONAL_TABLE, *diagonal_figures(config, runs)], claims=[DIAGONAL_CLAIMS])


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
    return diagonal_targets(config, runs) + optimizer_targets(config, runs)

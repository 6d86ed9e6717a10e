"""What E1-E5 make from the runs on synthetic data: per (dataset, model, lr, init seed)
the irrelevant-norm curves and the |W1| / Gram grids (the deeper layers' too where the
network has hidden-to-hidden layers), and the claims table (rule synthetic_claims).
A config without synthetic data sets makes none.

The path patterns below are the rules' outputs, typed here once."""

from __future__ import annotations

from sgd_support.core.models import layer_count
from sgd_support.reporting.catalog import experiment_id, experiment_title
from sgd_support.sweep.targets import Run, Targets, first_init, pairs, paper_runs

NORM_CURVES = "results/figures/dataset={dataset}/model={model}/init={init}/irrelevant_norm.png"
NORM_CURVES_CAPTION = "results/figures/dataset={dataset}/model={model}/init={init}/irrelevant_norm.rst"
W1_GRID = "results/figures/dataset={dataset}/model={model}/lr={lr}/init={init}/w1_gram.png"
W1_GRID_SHARED = "results/figures/dataset={dataset}/model={model}/lr={lr}/init={init}/w1_gram_shared.png"
W1_GRID_CAPTION = "results/figures/dataset={dataset}/model={model}/lr={lr}/init={init}/w1_gram.rst"
DEEP_GRID = "results/figures/dataset={dataset}/model={model}/lr={lr}/init={init}/deep_gram.png"
DEEP_GRID_CAPTION = "results/figures/dataset={dataset}/model={model}/lr={lr}/init={init}/deep_gram.rst"
CLAIMS = "results/claims/synthetic.parquet"


def synthetic_pairs(config: dict, runs: list[Run]) -> list[tuple[str, str]]:
    """(dataset, model) of the runs of dense MLPs on synthetic data: E1-E5's networks (a
    diagonal network has depth, not widths, and belongs to the theory experiments)."""
    return [(d, m) for d, m in pairs(config, runs, ("synthetic",)) if "widths" in config["models"][m]]


def synthetic_runs(config: dict, runs: list[Run]) -> list[Run]:
    """The runs of those pairs whose update is the paper's GD/SGD (E13's label noise,
    sampling, momentum and Adam runs have their own rows and figures)."""
    pairs = set(synthetic_pairs(config, runs))
    return [r for r in paper_runs(config, runs) if (r["dataset"], r["model"]) in pairs]


def figure_keys(config: dict, runs: list[Run]) -> list[tuple[str, str, str, str]]:
    """Sorted (dataset, model, lr, init seed) of the synthetic runs: one weight grid each."""
    return sorted({(r["dataset"], r["model"], r["lr"], r["init"]) for r in synthetic_runs(config, runs)})


def grid_runs(runs: list[Run], dataset: str, model: str, lr: str, init: str) -> list[Run]:
    """The runs a weight grid shows: every optimizer, batch and order seed of one
    (dataset, model, lr, init seed)."""
    return [r for r in runs if (r["dataset"], r["model"], r["lr"], r["init"]) == (dataset, model, lr, init)]


def figures(config: dict, runs: list[Run]) -> list[str]:
    """Every figure of the synthetic experiments, sorted."""
    out = set()
    for dataset, model, lr, init in figure_keys(config, runs):
        key = dict(dataset=dataset, model=model, lr=lr, init=init)
        out.add(NORM_CURVES.format(**key))
        out.add(W1_GRID.format(**key))
        if layer_count(config["models"][model]) >= 3:  # has hidden-to-hidden layers
            out.add(DEEP_GRID.format(**key))
    return sorted(out)


def figure_category(config: dict, runs: list[Run], dataset: str, model: str, init: str) -> str:
    """The report's category of a (dataset, model, init seed) figure: its experiment."""
    experiment = experiment_id(
        config["datasets"][dataset], config["models"][model], init, first_init(runs, dataset, model)
    )
    return experiment_title(experiment)


def targets(config: dict, runs: list[Run]) -> Targets:
    if not synthetic_pairs(config, runs):
        return Targets()
    return Targets(report=figures(config, runs), claims=[CLAIMS])

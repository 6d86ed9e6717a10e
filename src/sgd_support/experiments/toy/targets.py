"""What E6 makes from the runs on toy data sets: the rate table and the claims (rule
toy_rates), Fig. 9 per landscape data set, and Fig. 4 when there are runs on point data
sets. A config without toy data sets makes none.

The path patterns below are the rules' outputs, typed here once."""

from __future__ import annotations

from sgd_support.core.data.toy import KINDS
from sgd_support.sweep.targets import Run, Targets, run_datasets

RATES = "results/toy/rates.tsv"
AB_FIGURE = "results/toy/ab_over_steps.png"
LANDSCAPE_FIGURE = "results/toy/landscape/dataset={dataset}.png"
CLAIMS = "results/claims/toy.parquet"


def toy_runs(config: dict, runs: list[Run], kinds: tuple[str, ...] = KINDS) -> list[Run]:
    """The runs on data sets of the toy kinds (or of ``kinds`` among them)."""
    return [run for run in runs if config["datasets"][run["dataset"]]["kind"] in kinds]


def point_runs(config: dict, runs: list[Run]) -> list[Run]:
    """The runs on point data sets (x, y pairs visited in order): Fig. 4, the rates."""
    return toy_runs(config, runs, ("toy_points",))


def points(config: dict, runs: list[Run]) -> list[str]:
    """Sorted point data sets trained on: the rates' and Fig. 4's."""
    return run_datasets(point_runs(config, runs))


def landscapes(config: dict, runs: list[Run]) -> list[str]:
    """Sorted toy data sets trained on that are not point data sets: Fig. 9's."""
    return sorted(set(run_datasets(toy_runs(config, runs))) - set(points(config, runs)))


def targets(config: dict, runs: list[Run]) -> Targets:
    if not toy_runs(config, runs):
        return Targets()
    figures = [LANDSCAPE_FIGURE.format(dataset=name) for name in landscapes(config, runs)]
    ab = [AB_FIGURE] if point_runs(config, runs) else []
    return Targets(report=[RATES, *figures, *ab], claims=[CLAIMS])

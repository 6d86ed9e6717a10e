"""What E9 makes: per (features data set, model) the head's first-layer figures, its
accuracy table and the claims (rule head_figures). A config without features data
sets makes none."""

from __future__ import annotations

from sgd_support.data.registry import FEATURE_KINDS
from sgd_support.sweep.targets import Run, Targets, pairs, seed_runs

FIGURES = "results/figures/e9"
FILES = ("eigen_histograms.png", "svd_gram.png", "metrics.html")


def targets(config: dict, runs: list[Run]) -> Targets:
    e9 = pairs(config, runs, FEATURE_KINDS)
    return Targets(
        report=[f"{FIGURES}/dataset={ds}/model={model}/{name}" for ds, model in e9 for name in FILES],
        claims=[f"results/claims/e9/dataset={ds}/model={model}.parquet" for ds, model in e9],
    )


def figure_runs(runs: list[Run], dataset: str, model: str) -> list[Run]:
    """The runs a (dataset, model) figure compares: one per (optimizer, lr, batch), all
    from the pair's first init seed, each with its first batch-order seed."""
    chosen = {}
    for run in sorted(seed_runs(runs, dataset, model), key=lambda r: int(r["order"])):
        chosen.setdefault((run["optimizer"], run["lr"], run["batch"]), run)
    return list(chosen.values())

"""What E9 makes: per (features data set, model) the head's first-layer figures, its
accuracy table and the claims (rule head_figures). A config without features data
sets makes none.

The path patterns below are the rules' outputs, typed here once."""

from __future__ import annotations

from sgd_support.core.data.registry import FEATURE_KINDS
from sgd_support.sweep.targets import Run, Targets, pairs, seed_runs

HISTOGRAMS = "results/figures/e9/dataset={dataset}/model={model}/eigen_histograms.png"
SVD_GRAM = "results/figures/e9/dataset={dataset}/model={model}/svd_gram.png"
TABLE = "results/figures/e9/dataset={dataset}/model={model}/metrics.html"
TABLE_TSV = "results/figures/e9/dataset={dataset}/model={model}/metrics.tsv"
CLAIMS = "results/claims/e9/dataset={dataset}/model={model}.parquet"

REPORT = (HISTOGRAMS, SVD_GRAM, TABLE)


def targets(config: dict, runs: list[Run]) -> Targets:
    e9 = pairs(config, runs, FEATURE_KINDS)
    return Targets(
        report=[path.format(dataset=ds, model=model) for ds, model in e9 for path in REPORT],
        claims=[CLAIMS.format(dataset=ds, model=model) for ds, model in e9],
    )


def figure_runs(runs: list[Run], dataset: str, model: str) -> list[Run]:
    """The runs a (dataset, model) figure compares: one per (optimizer, lr, batch), all
    from the pair's first init seed, each with its first batch-order seed."""
    chosen = {}
    for run in sorted(seed_runs(runs, dataset, model), key=lambda r: int(r["order"])):
        chosen.setdefault((run["optimizer"], run["lr"], run["batch"]), run)
    return list(chosen.values())

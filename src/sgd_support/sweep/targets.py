"""What a config makes beyond its training runs: the report's files (the targets of
``rule all``) and the claims tables (what the claims checklist collects), as pure
functions of the config and its runs (``sgd_support.sweep.runs.expand_runs``: dicts of
string coordinates), so that the selection is tested without Snakemake.

Each experiment family says what it makes in ``experiments/<family>/targets.py``: its
path patterns (the rules' outputs, typed there once) and a function
``targets(config, runs) -> Targets``; ``sgd_support.experiments.families`` lists them
and adds them up. This module holds what they share: :class:`Targets`, the paths of
the sweep-wide outputs (aggregation, final summary, checklist) and the selections
that more than one family (or the workflow's rules) need.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sgd_support.reporting.catalog import is_paper_update
from sgd_support.reporting.run_paths import DATASET_FILE, run_file

Run = dict[str, str]

# The sweep-wide outputs (rules aggregate_runs, final_summary, claims_checklist,
# paper_figures): each path typed here once, the rules' outputs and the targets read it.
QUANTILES = "results/aggregate/dataset={dataset}/model={model}/trajectory_quantiles.parquet"
FINAL_RUNS = "results/aggregate/dataset={dataset}/model={model}/final_runs.parquet"
FINAL_SUMMARY_TABLE = "results/aggregate/final_summary.parquet"
PAPER_FIGURES = "results/report/paper_figures.html"  # the registry of the paper's figures
PAPER_FIGURES_CAPTION = "results/report/paper_figures.rst"
FINAL_SUMMARY = "results/aggregate/final_summary.html"
CHECKLIST = "results/report/claims_checklist.html"
CHECKLIST_CAPTION = "results/report/claims_checklist.rst"
CHECKLIST_TABLE = "results/report/claims_checklist.parquet"


@dataclass
class Targets:
    """Files a config makes beyond its runs' own."""

    report: list[str] = field(default_factory=list)  # what `rule all` asks for
    claims: list[str] = field(default_factory=list)  # claims tables (reporting.claims.write_claims)

    def __add__(self, other: Targets) -> Targets:
        """Both lists in order, each file once."""
        return Targets(
            report=list(dict.fromkeys(self.report + other.report)),
            claims=list(dict.fromkeys(self.claims + other.claims)),
        )


def datasets_of(config: dict, kinds: Iterable[str]) -> list[str]:
    """Names of the config's data sets of the given kinds, in config order."""
    kinds = set(kinds)
    return [name for name, ds in config["datasets"].items() if ds["kind"] in kinds]


def pairs(config: dict, runs: list[Run], kinds: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """Sorted (dataset, model) pairs of the runs (only those on data sets of ``kinds``)."""
    names = set(config["datasets"] if kinds is None else datasets_of(config, kinds))
    return sorted({(r["dataset"], r["model"]) for r in runs if r["dataset"] in names})


def paper_runs(config: dict, runs: list[Run]) -> list[Run]:
    """The runs the paper's experiments read (E1-E5, E10, E11): dense MLPs (a diagonal
        network has depth, not widths) trained by the paper's GD/SGD (no label noise, other
        sampling, momentum or Adam); the others are the theory experiments' (E12, E13). The
    synthetic family takes those on synthetic data, E10 and E11 (rules decay_rate,
    init_dependence) all of them."""
    return [
        r
        for r in runs
        if "widths" in config["models"][r["model"]] and is_paper_update(config["optimizers"][r["optimizer"]])
    ]


def run_datasets(runs: list[Run]) -> list[str]:
    """Sorted names of the data sets the runs train on."""
    return sorted({r["dataset"] for r in runs})


def dataset_runs(runs: list[Run], dataset: str) -> list[Run]:
    return [r for r in runs if r["dataset"] == dataset]


def pair_runs(runs: list[Run], dataset: str, model: str) -> list[Run]:
    return [r for r in runs if (r["dataset"], r["model"]) == (dataset, model)]


def first_init(runs: list[Run], dataset: str, model: str) -> int:
    """The lowest init seed of a (dataset, model): the seed its figures show."""
    return min(int(r["init"]) for r in pair_runs(runs, dataset, model))


def seed_runs(runs: list[Run], dataset: str, model: str) -> list[Run]:
    """Every run of a (dataset, model) from its first init seed, all order seeds."""
    init = first_init(runs, dataset, model)
    return [r for r in pair_runs(runs, dataset, model) if int(r["init"]) == init]


def run_files(runs: list[Run], name: str = "trajectory.parquet") -> list[str]:
    """Each run's file ``name`` under ``results/runs`` (reporting.run_paths)."""
    return [run_file(run, name) for run in runs]


def dataset_files(names: Iterable[str]) -> list[str]:
    """The data set files ``results/data/dataset=NAME.npz`` of ``names``, in order."""
    return [DATASET_FILE.format(dataset=name) for name in names]


def aggregate_files(pairs: Iterable[tuple[str, str]], pattern: str) -> list[str]:
    """``pattern`` (QUANTILES or FINAL_RUNS: rule aggregate_runs) of each (dataset, model)."""
    return [pattern.format(dataset=dataset, model=model) for dataset, model in pairs]


def names_pattern(names: Iterable[str]) -> str:
    """A wildcard constraint matching exactly ``names``: the regex that confines a rule
    to some data sets. "(?!)", which matches nothing, when there are none."""
    return "|".join(re.escape(name) for name in sorted(names)) or "(?!)"

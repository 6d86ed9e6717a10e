"""What a config makes beyond its training runs: the report's files (the targets of
``rule all``) and the claims tables (what the claims checklist collects), as pure
functions of the config and its runs (``sgd_support.config.expand_runs``: dicts of
string coordinates), so that the selection is tested without Snakemake.

Each experiment family says what it makes in ``experiments/<family>/targets.py``, a
function ``targets(config, runs) -> Targets``; FAMILIES lists them. Adding an experiment
is writing its targets function and adding it to FAMILIES. The helpers below are the
selections that more than one family (or the workflow's rules) need.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sgd_support.reporting.run_paths import DATASET_FILE, run_file

Run = dict[str, str]

# The families' targets modules, in the order the claims checklist lists their rows
# (E7, E9, E1-E5, E6, E10-E11: the order the rule files added them in before the move,
# kept so that the checklist's page stays the same). Imported by name, as the data set
# builders are (sgd_support.data.registry): each imports this module for Targets.
FAMILIES = (
    "sgd_support.experiments.images.targets",
    "sgd_support.experiments.head.targets",
    "sgd_support.experiments.synthetic.targets",
    "sgd_support.experiments.toy.targets",
    "sgd_support.experiments.analyses.targets",
)
CHECKLIST = "results/report/claims_checklist.html"
PAPER_FIGURES = "results/report/paper_figures.html"  # the registry of the paper's figures
FINAL_SUMMARY = "results/aggregate/final_summary.html"


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


def all_targets(config: dict, runs: list[Run]) -> Targets:
    """Every family's targets, in FAMILIES order, then the sweep's summary: the final
    state of every (dataset, model), its trajectory quantiles, the paper's figures and the
    claims checklist."""
    combined = Targets()
    for family in FAMILIES:
        combined += importlib.import_module(family).targets(config, runs)
    quantiles = aggregate_files(pairs(config, runs), "trajectory_quantiles.parquet")
    return combined + Targets(report=[FINAL_SUMMARY, *quantiles, PAPER_FIGURES, CHECKLIST])


def datasets_of(config: dict, kinds: Iterable[str]) -> list[str]:
    """Names of the config's data sets of the given kinds, in config order."""
    kinds = set(kinds)
    return [name for name, ds in config["datasets"].items() if ds["kind"] in kinds]


def pairs(config: dict, runs: list[Run], kinds: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """Sorted (dataset, model) pairs of the runs (only those on data sets of ``kinds``)."""
    names = set(config["datasets"] if kinds is None else datasets_of(config, kinds))
    return sorted({(r["dataset"], r["model"]) for r in runs if r["dataset"] in names})


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


def aggregate_files(pairs: Iterable[tuple[str, str]], name: str) -> list[str]:
    """``results/aggregate/dataset=D/model=M/NAME`` of each (D, M): rule aggregate_runs."""
    return [f"results/aggregate/dataset={dataset}/model={model}/{name}" for dataset, model in pairs]


def names_pattern(names: Iterable[str]) -> str:
    """A wildcard constraint matching exactly ``names``: the regex that confines a rule
    to some data sets. "(?!)", which matches nothing, when there are none."""
    return "|".join(re.escape(name) for name in sorted(names)) or "(?!)"

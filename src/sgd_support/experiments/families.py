"""The experiment families, in one registry: each family's targets module, imported
here (the experiments layer, so no lower layer loads a family), and what the whole
config makes (:func:`all_targets`).

Adding a family is writing ``experiments/<family>/targets.py`` (its path patterns and
a ``targets(config, runs) -> Targets``) and adding the module to FAMILIES.
"""

from __future__ import annotations

from sgd_support.experiments.analyses import targets as analyses
from sgd_support.experiments.head import targets as head
from sgd_support.experiments.images import targets as images
from sgd_support.experiments.synthetic import targets as synthetic
from sgd_support.experiments.theory import targets as theory
from sgd_support.experiments.toy import targets as toy
from sgd_support.sweep.targets import (
    CHECKLIST,
    FINAL_SUMMARY,
    PAPER_FIGURES,
    QUANTILES,
    Run,
    Targets,
    aggregate_files,
    pairs,
)

# The families' targets modules, in the order the claims checklist lists their rows
# (E7, E9, E1-E5, E6, E10-E11: the order the rule files added them in before the move,
# kept so that the checklist's page stays the same), then the theory family (E12, E13).
FAMILIES = (images, head, synthetic, toy, analyses, theory)


def all_targets(config: dict, runs: list[Run]) -> Targets:
    """Every family's targets, in FAMILIES order, then the sweep's summary: the final
    state of every (dataset, model), its trajectory quantiles, the paper's figures and the
    claims checklist."""
    combined = Targets()
    for family in FAMILIES:
        combined += family.targets(config, runs)
    quantiles = aggregate_files(pairs(config, runs), QUANTILES)
    return combined + Targets(report=[FINAL_SUMMARY, *quantiles, PAPER_FIGURES, CHECKLIST])

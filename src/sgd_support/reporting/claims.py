"""The claims checklist: one row per claim of the paper, decided on this run's data.

Every analysis that checks claims writes its rows with :func:`write_claims` to its
own ``results/claims/<name>.parquet``; its family's target functions
(``experiments/<family>/targets.py``, registered in :mod:`sgd_support.sweep.targets`)
list that path among the run's claims tables, and the report's checklist
(:mod:`sgd_support.reporting.checklist`) collects them all. Rows must be honest: a
claim the run does not reproduce is written with ``passed=False`` and its numbers;
one the run has no data for is ``passed=None`` with the reason in ``measured``.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

import pandas as pd

from sgd_support.reporting.tables import write_parquet

COLUMNS = ("experiment", "location", "scope", "claim", "criterion", "measured", "passed", "why")

# What a row's ``scope`` says: the kind of network or data the paper makes the claim
# for. A claim the paper makes only for linear networks is still decided on ReLU runs
# when the sweep has them, but its scope then says so ("not claimed by the paper for
# ReLU networks"), so a reader can tell a failed claim from one the paper never made.
SCOPES = ("linear networks", "ReLU networks", "images", "toy model", "pipeline")
# The note a scope carries when the row decides, on this run's networks, a claim the
# paper does not make for them; the checklist shows such a FAIL apart from the others.
NOT_CLAIMED = "not claimed by the paper"


def not_claimed_for(scope: str, networks: str) -> str:
    """``scope`` with the note that the paper does not claim it for ``networks``."""
    return f"{scope} ({NOT_CLAIMED} for {networks})"


def is_claimed(scope) -> bool:
    """False for a row whose scope says the paper does not make the claim there."""
    return NOT_CLAIMED not in str(scope or "")


@dataclass
class Claim:
    experiment: str  # the experiment's id (docs/experiments.md), e.g. "E1"
    claim: str  # the paper's claim, in words
    criterion: str  # how this run decides it (metric, threshold and why)
    measured: str  # this run's numbers that the decision rests on
    passed: bool | None  # None: not decidable from this run's data
    location: str = ""  # where the paper makes the claim: section, figure, theorem
    scope: str = ""  # what the paper claims it for (see SCOPES), and "not claimed ..." notes
    why: str = ""  # for a FAIL (or an undecided row): the cause the run shows, in one sentence


def combined(results: list[bool | None]) -> bool | None:
    """One verdict from several (e.g. one per lr): False if any fails, None if none
    fails but one is undecidable (or there are none), else True."""
    if any(r is False for r in results):
        return False
    return None if not results or any(r is None for r in results) else True


def write_claims(path: str | os.PathLike, claims: list[Claim]) -> None:
    """Write claim rows as Parquet, atomically."""
    frame = pd.DataFrame([asdict(c) for c in claims], columns=list(COLUMNS))
    frame["passed"] = frame["passed"].astype("object")
    write_parquet(frame, path)


def read_claims(paths: list[str | os.PathLike]) -> pd.DataFrame:
    """All claim rows of ``paths``, in order."""
    frames = [pd.read_parquet(p).reindex(columns=list(COLUMNS)) for p in paths]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(COLUMNS))

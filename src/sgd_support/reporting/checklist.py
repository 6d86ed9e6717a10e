"""The report's claims checklist: every claims table of the run as one HTML table.

Columns: experiment, where the paper makes the claim and for which networks (scope),
the claim, how this run decides it and its numbers, the verdict, and for a FAIL or an
undecided row why. A FAIL of a claim the paper does not make for the run's networks
(its scope says "not claimed by the paper ...", e.g. the linear-network claims decided
on ReLU runs) is shown and counted apart: it is a measured fact, not a failure of the paper.
"""

from __future__ import annotations

import logging
import os

from sgd_support.atomic import atomic_path
from sgd_support.reporting.claims import is_claimed, read_claims
from sgd_support.reporting.tables import Table, write_html_page

log = logging.getLogger(__name__)

VERDICT = {True: ("PASS", "pass"), False: ("FAIL", "fail"), None: ("not decided", "undecided")}
UNCLAIMED_FAIL = ("FAIL (not claimed by the paper here)", "unclaimed")
INTRO = (
    "One row per claim of the paper, decided on this run's data: where the paper makes it "
    "(location) and for which networks or data (scope). A claim the run does not reproduce is "
    "marked FAIL with its numbers and, under 'Why', what in this run makes it fail; one without "
    "the data to decide it, 'not decided'. Rows whose scope says 'not claimed by the paper' decide "
    "a claim on networks the paper does not make it for (the linear-network claims on ReLU runs): "
    "their FAIL is grey and does not count against the paper."
)


def write_checklist(
    claim_paths: list[str | os.PathLike], html: str | os.PathLike, caption_path: str | os.PathLike
) -> None:
    """The rows of every claims table in ``claim_paths`` as the checklist page ``html``,
    and their counts (:func:`caption`, reStructuredText) in ``caption_path``."""
    table = read_claims(claim_paths)
    verdicts = [verdict(p, s) for p, s in zip(table["passed"], table["scope"])]
    table["passed"] = [text for text, _ in verdicts]
    table = table.rename(columns=str.capitalize)
    classes = [cls for _, cls in verdicts]
    write_html_page(
        html, "Claims checklist", [Table(table, verdicts=classes, verdict_column="Passed")], INTRO
    )
    with atomic_path(caption_path) as tmp:
        tmp.write_text(caption(verdicts))
    log.info("%d claims from %d tables -> %s", len(table), len(claim_paths), html)


def verdict(passed, scope) -> tuple[str, str]:
    """(text, CSS class) of a row's verdict; ``passed`` may be NaN from Parquet (= None)."""
    passed = None if passed is None or passed != passed else bool(passed)
    return UNCLAIMED_FAIL if passed is False and not is_claimed(scope) else VERDICT[passed]


def caption(verdicts: list[tuple[str, str]]) -> str:
    """The counts, with the FAILs of claims the paper does not make counted apart."""
    count = {cls: sum(c == cls for _, c in verdicts) for cls in ("pass", "fail", "unclaimed", "undecided")}
    fails = count["fail"] + count["unclaimed"]
    unclaimed = f" ({count['unclaimed']} of them of claims the paper does not make for those networks)"
    return (
        f"**This run**: {len(verdicts)} claims, {count['pass']} PASS, {fails} FAIL"
        + (unclaimed if count["unclaimed"] else "")
        + f", {count['undecided']} not decided.\n"
    )

"""What every analysis across runs writes besides its own tables: the claims, the
figure (or a placeholder saying what is missing), a page of tables and claims, and
the claims as a caption paragraph."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass

import pandas as pd

from sgd_support.core.atomic import atomic_path
from sgd_support.experiments.analyses.figures import placeholder
from sgd_support.reporting.claims import Claim, write_claims
from sgd_support.reporting.tables import Table, write_html_page

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportPaths:
    """Where an analysis writes its page of tables, figure, claims and caption paragraph."""

    html: str | os.PathLike
    figure: str | os.PathLike
    claims: str | os.PathLike
    summary: str | os.PathLike


def write_report(
    paths: ReportPaths,
    title: str,
    tables: list[tuple[str, pd.DataFrame]],
    claims: list[Claim],
    lead: str,
    draw: Callable[[str | os.PathLike], None] | None,
) -> None:
    """Write the claims; the figure with ``draw(path)``, or, where ``draw`` is None
    (too little data to plot), a placeholder with the first claim's ``measured`` (which
    then says what is missing); the page ``title`` with the claims and ``tables``; the
    caption paragraph led by ``lead``. Log every claim's verdict."""
    write_claims(paths.claims, claims)
    if draw is None:
        placeholder(paths.figure, claims[0].measured)
    else:
        draw(paths.figure)
    write_html(paths.html, title, tables, claims)
    write_summary(paths.summary, lead, claims)
    for claim in claims:
        log.info("%s: %s -> %s", claim.claim, claim.measured, claim.passed)


def write_html(
    path: str | os.PathLike, title: str, tables: list[tuple[str, pd.DataFrame]], claims: list[Claim]
) -> None:
    """Write ``title``, the claims (as a table) and each (heading, table) to ``path``."""
    claims_frame = pd.DataFrame([asdict(c) for c in claims])
    pages = [Table(claims_frame, "claims"), *(Table(frame, heading) for heading, frame in tables)]
    write_html_page(path, title, pages)


def write_summary(path: str | os.PathLike, lead: str, claims: list[Claim]) -> None:
    """A reStructuredText paragraph with this run's numbers (``lead``) and one bullet
    per claim (with its reason when it is not reproduced), for a report caption to
    include (``.. include::``)."""
    verdict = {True: "reproduced", False: "NOT reproduced", None: "not decidable"}
    lines = [_rst(lead.strip()), ""]
    for claim in claims:
        why = f" Why: {_rst(claim.why)}" if claim.why and claim.passed is not True else ""
        lines.append(f"- **{_rst(claim.claim)}** ({verdict[claim.passed]}): {_rst(claim.measured)}.{why}")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _rst(text: str) -> str:
    """``text`` with reStructuredText's markup characters escaped (|Gram| is no substitution)."""
    text = text.replace("\\", "\\\\")
    for char in "|*_`[]<>:":
        text = text.replace(char, "\\" + char)
    return text

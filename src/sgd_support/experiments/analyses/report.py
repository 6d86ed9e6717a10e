"""An analysis's page of tables and claims, and its claims as a caption paragraph."""

from __future__ import annotations

import os
from dataclasses import asdict

import pandas as pd

from sgd_support.atomic import atomic_path
from sgd_support.reporting.claims import Claim
from sgd_support.reporting.tables import Table, write_html_page


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

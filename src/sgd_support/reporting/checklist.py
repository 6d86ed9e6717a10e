"""The report's claims checklist as a scorecard: every claims table of the run on one page.

At the top a tally (PASS / FAIL / not decided, per experiment and in total); below it
the rows grouped by experiment in the order the paper first shows each experiment
(:data:`sgd_support.reporting.paper_figures.EXPERIMENT_ORDER`), each row with its claim
(where the paper makes it, for which networks), its verdict and the reason beside it;
the criterion and the numbers are folded in ``<details>``. A row whose numbers repeat
an earlier row's of the same group points at that row instead of repeating them. The
same rows, grouped and ordered, are written as Parquet.

A FAIL of a claim the paper does not make for the run's networks (its scope says "not
claimed by the paper ...", e.g. the linear-network claims decided on ReLU runs) is
shown and counted apart: it is a measured fact, not a failure of the paper.
"""

from __future__ import annotations

import html
import logging
import os

import pandas as pd

from sgd_support.core.atomic import atomic_path
from sgd_support.reporting.claims import is_claimed, read_claims
from sgd_support.reporting.paper_figures import EXPERIMENT_ORDER, EXPERIMENT_TITLES
from sgd_support.reporting.tables import CSS, write_parquet

log = logging.getLogger(__name__)

VERDICT = {True: ("PASS", "pass"), False: ("FAIL", "fail"), None: ("not decided", "undecided")}
UNCLAIMED_FAIL = ("FAIL (not claimed by the paper here)", "unclaimed")
# The tally's columns: a verdict class and its heading
TALLY = (
    ("pass", "PASS"),
    ("fail", "FAIL"),
    ("unclaimed", "FAIL, not claimed here"),
    ("undecided", "not decided"),
)
# Rows whose experiment is not one id (e.g. "E1, E2": the diverged-runs row) go last, in this group
SEVERAL = "several"
INTRO = (
    "One row per claim of the paper, decided on this run's data, grouped by experiment in the order "
    "the paper first shows each. A claim the run does not reproduce is FAIL, with the cause this run "
    "shows beside it; one without the data to decide it, 'not decided'. A FAIL of a claim the paper "
    "does not make for the run's networks (scope 'not claimed by the paper', e.g. the linear-network "
    "claims on ReLU runs) is grey and counted apart. Each row's criterion and numbers are under "
    "'criterion and measured'."
)
PAGE_CSS = "\n".join(
    [
        CSS,
        "table.scorecard { table-layout: fixed; width: 100%; }",
        "table.scorecard col.claim { width: 30%; } table.scorecard col.verdict { width: 9%; }",
        "table.scorecard col.why { width: 41%; } table.scorecard col.details { width: 20%; }",
        "tr.group th { background: #dde3ea; font-size: 15px; }",
        ".where { color: #555; font-size: 12px; display: block; margin-top: 3px; }",
        "details summary { cursor: pointer; color: #235; }",
        "details p { font-size: 12px; margin: 4px 0; overflow-wrap: anywhere; }",
        "table.tally td.n { text-align: right; }",
    ]
)


def verdict(passed, scope) -> tuple[str, str]:
    """(text, CSS class) of a row's verdict; ``passed`` may be NaN from Parquet (= None)."""
    passed = None if passed is None or passed != passed else bool(passed)
    return UNCLAIMED_FAIL if passed is False and not is_claimed(scope) else VERDICT[passed]


def group_of(experiment) -> str:
    """The scorecard group of a row: its experiment id, or SEVERAL for a row that
    speaks for several experiments (e.g. "E1, E2")."""
    text = str(experiment or "").strip()
    return text if text and "," not in text else SEVERAL


def scorecard(table: pd.DataFrame) -> pd.DataFrame:
    """The claim rows grouped in the paper's order (stable within a group).

    table: rows of :func:`sgd_support.reporting.claims.read_claims`. Adds ``group``
    (experiment id or SEVERAL), ``group_title``, ``verdict`` (text), ``verdict_class``
    and ``position`` (1-based, in page order); experiments the paper order does not
    know follow it in order of appearance, SEVERAL last.
    """
    frame = table.reset_index(drop=True).copy()
    frame["group"] = [group_of(e) for e in frame["experiment"]]
    extra = [g for g in dict.fromkeys(frame["group"]) if g not in EXPERIMENT_ORDER and g != SEVERAL]
    rank = {g: i for i, g in enumerate([*EXPERIMENT_ORDER, *extra, SEVERAL])}
    frame["group_rank"] = frame["group"].map(rank)
    frame = frame.sort_values("group_rank", kind="stable").reset_index(drop=True)
    frame["group_title"] = [
        "rows that speak for several experiments" if g == SEVERAL else EXPERIMENT_TITLES.get(g, g)
        for g in frame["group"]
    ]
    verdicts = [verdict(p, s) for p, s in zip(frame["passed"], frame["scope"])]
    frame["verdict"] = [text for text, _ in verdicts]
    frame["verdict_class"] = [cls for _, cls in verdicts]
    frame["position"] = range(1, len(frame) + 1)
    return frame


def tally(card: pd.DataFrame) -> pd.DataFrame:
    """Counts per group (scorecard order) and a last row "total": one column per
    verdict class of TALLY and ``claims``."""
    rows = []
    for (group, title), rows_of in card.groupby(["group", "group_title"], sort=False):
        counts = rows_of["verdict_class"].value_counts()
        rows.append({"group": group, "title": title, **{c: int(counts.get(c, 0)) for c, _ in TALLY}})
    counts = card["verdict_class"].value_counts()
    rows.append({"group": "total", "title": "all claims", **{c: int(counts.get(c, 0)) for c, _ in TALLY}})
    frame = pd.DataFrame(rows, columns=["group", "title", *(c for c, _ in TALLY)])
    frame["claims"] = frame[[c for c, _ in TALLY]].sum(axis=1)
    return frame


def _measured_cells(card: pd.DataFrame) -> list[str]:
    """Each row's measured text, or a pointer to the earlier row of its group that has
    the same text (so two rows deciding on the same numbers do not repeat them)."""
    cells, seen = [], {}
    for row in card.itertuples():
        key = (row.group, str(row.measured))
        cells.append(f"the same numbers as row {seen[key]}" if key in seen else str(row.measured))
        seen.setdefault(key, row.position)
    return cells


def _tally_html(counts: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(name)}</th>" for _, name in TALLY)
    body = []
    for row in counts.to_dict("records"):  # records: "pass" is no attribute name
        group = row["group"]
        label = {"total": "Total", SEVERAL: row["title"]}.get(group, f"{group}: {row['title']}")
        cells = "".join(f'<td class="n{" " + c if row[c] else ""}">{row[c]}</td>' for c, _ in TALLY)
        strong = ' style="font-weight: bold"' if group == "total" else ""
        body.append(
            f"<tr{strong}><td>{html.escape(label)}</td>{cells}<td class='n'>{row['claims']}</td></tr>"
        )
    return (
        f'<table class="tally"><thead><tr><th>experiment</th>{head}<th>claims</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _rows_html(card: pd.DataFrame, counts: pd.DataFrame) -> str:
    summary = {r["group"]: r for r in counts.to_dict("records")}
    measured = _measured_cells(card)
    parts = [
        '<table class="scorecard"><colgroup><col class="claim"><col class="verdict"><col class="why">'
        '<col class="details"></colgroup><thead><tr><th>claim</th><th>verdict</th><th>why</th>'
        "<th>criterion and measured</th></tr></thead><tbody>"
    ]
    group = None
    for row, numbers in zip(card.itertuples(), measured):
        if row.group != group:
            group, s = row.group, summary[row.group]
            name = row.group_title if row.group == SEVERAL else f"{row.group}: {row.group_title}"
            counted = ", ".join(f"{s[cls]} {text}" for cls, text in TALLY if s[cls])
            parts.append(
                f'<tr class="group"><th colspan="4">{html.escape(name)} ({html.escape(counted)})</th></tr>'
            )
        where = "; ".join(str(v) for v in (row.location, row.scope) if isinstance(v, str) and v)
        parts.append(
            f'<tr class="claim" id="row{row.position}">'
            f"<td>{row.position}. {html.escape(str(row.claim))}"
            + (f'<span class="where">{html.escape(where)}</span>' if where else "")
            + f'</td><td class="{row.verdict_class}">{html.escape(row.verdict)}</td>'
            f"<td>{html.escape(str(row.why or ''))}</td>"
            f"<td><details><summary>criterion and measured</summary>"
            f"<p><b>criterion:</b> {html.escape(str(row.criterion))}</p>"
            f"<p><b>measured:</b> {html.escape(numbers)}</p></details></td></tr>"
        )
    parts.append("</tbody></table>")
    return "".join(parts)


def write_checklist(
    claim_paths: list[str | os.PathLike],
    html_path: str | os.PathLike,
    caption_path: str | os.PathLike,
    parquet_path: str | os.PathLike | None = None,
) -> None:
    """The rows of every claims table in ``claim_paths`` as the scorecard page
    ``html_path``, their counts (:func:`caption`, reStructuredText) in ``caption_path``
    and, when given, the scorecard's rows (:func:`scorecard`) as Parquet."""
    card = scorecard(read_claims(claim_paths))
    counts = tally(card)
    page = [
        "<!DOCTYPE html>",
        "<html><head><meta charset='utf-8'><title>Claims checklist</title>",
        f"<style>\n{PAGE_CSS}\n</style></head><body>",
        "<h2>Claims checklist</h2>",
        f"<p>{html.escape(INTRO)}</p>",
        _tally_html(counts),
        _rows_html(card, counts),
        "</body></html>",
    ]
    with atomic_path(html_path) as tmp:
        tmp.write_text("\n".join(page) + "\n", encoding="utf-8")
    with atomic_path(caption_path) as tmp:
        tmp.write_text(caption(list(zip(card["verdict"], card["verdict_class"]))))
    if parquet_path is not None:
        frame = card.drop(columns=["group_rank"])
        frame["passed"] = frame["passed"].astype("object")
        write_parquet(frame, parquet_path)
    log.info("%d claims from %d tables -> %s", len(card), len(claim_paths), html_path)


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

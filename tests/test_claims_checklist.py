"""The checklist as a scorecard: a tally per experiment and in total, rows grouped by
experiment in the paper's order, the reason beside the verdict, criterion and numbers
folded away (a repeat of an earlier row's numbers points at that row), and the same
rows in Parquet; FAILs of claims the paper does not make counted apart."""

from __future__ import annotations

import re

import pandas as pd

from sgd_support.reporting.checklist import SEVERAL, scorecard, tally, write_checklist
from sgd_support.reporting.claims import Claim, not_claimed_for, read_claims, write_claims
from sgd_support.reporting.paper_figures import EXPERIMENT_ORDER

LONG = "slope 0.41 [0.30, 0.52] over 12 runs " * 5


def _rows() -> list[Claim]:
    # in the order the families write them (E7, synthetic, toy, analyses), not the paper's
    return [
        Claim("E7", "c-e7", "k", "m7", True, location="Sec. 5.2", scope="images"),
        Claim("E1", "c-e1a", "k", "m1", True, location="Theorem 1", scope="linear networks"),
        Claim(
            "E1", "c-e1b", "k", "m1b", False, location="App. C", scope="linear networks", why="noise floor"
        ),
        Claim("E5", "c-e5", "k", "m5", False, scope=not_claimed_for("linear", "ReLU"), why="up"),
        Claim("E1, E2", "c-div", "k", "0 of 9 runs diverged", True, scope="pipeline"),
        Claim("E6", "c-e6", "k", "m6", None, scope="toy model", why="no runs"),
        Claim("E10", "c-e10a", "k", LONG, False, why="interval below 0"),
        Claim("E10", "c-e10b", "k", LONG, True),
        Claim("E11", "c-e11", "k", "m11", None, why="one init seed"),
        Claim("E2", "c-e2", "k", "m2", True, scope="linear networks"),
    ]


def _write(tmp_path):
    rows = _rows()
    write_claims(tmp_path / "a.parquet", rows[:5])
    write_claims(tmp_path / "b.parquet", rows[5:])
    paths = [tmp_path / "a.parquet", tmp_path / "b.parquet"]
    out = tmp_path / "c.html", tmp_path / "c.rst", tmp_path / "c.parquet"
    write_checklist(paths, *out)
    return paths, out


def test_rows_are_grouped_in_the_papers_order(tmp_path):
    paths, (_, _, parquet) = _write(tmp_path)
    card = pd.read_parquet(parquet)
    # E2 (Fig. 1), E7 (Fig. 2), E1 (Fig. 3), E10 (Theorem 1), E6 (Fig. 4), E11 (Sec. 5.1), E5
    # (Fig. 16), then the row that speaks for several experiments
    assert list(dict.fromkeys(card["group"])) == ["E2", "E7", "E1", "E10", "E6", "E11", "E5", SEVERAL]
    assert EXPERIMENT_ORDER.index("E2") < EXPERIMENT_ORDER.index("E7") < EXPERIMENT_ORDER.index("E1")
    # within a group the rows keep their order; positions number the page
    assert list(card.loc[card["group"] == "E1", "claim"]) == ["c-e1a", "c-e1b"]
    assert list(card["position"]) == list(range(1, 11))
    # the Parquet holds every row and every field of the claims tables
    assert sorted(card["claim"]) == sorted(read_claims(paths)["claim"])
    assert card.loc[card["claim"] == "c-e10b", "measured"].iloc[0] == LONG


def test_tally_per_experiment_and_in_total(tmp_path):
    paths, _ = _write(tmp_path)
    counts = tally(scorecard(read_claims(paths))).set_index("group")
    assert counts.loc["E1", ["pass", "fail", "unclaimed", "undecided", "claims"]].tolist() == [1, 1, 0, 0, 2]
    assert counts.loc["E5", ["fail", "unclaimed"]].tolist() == [0, 1]
    assert counts.loc["E10", ["pass", "fail"]].tolist() == [1, 1]
    assert counts.loc["total", ["pass", "fail", "unclaimed", "undecided", "claims"]].tolist() == [
        5,
        2,
        1,
        2,
        10,
    ]
    assert list(counts.index)[-1] == "total"


def test_page_shows_tally_verdict_beside_reason_and_folds_the_numbers(tmp_path):
    _, (html, caption, _) = _write(tmp_path)
    page = html.read_text()
    tally_table = page[page.index('<table class="tally">') : page.index('<table class="scorecard">')]
    assert "Total" in tally_table and "E1: linear target" in tally_table
    # group headings in the paper's order, each with its counts
    headings = re.findall(r'<tr class="group"><th colspan="4">([^<]*)</th>', page)
    assert headings[0].startswith("E2: sine target (1 PASS)") and headings[-1].startswith("rows that speak")
    # the verdict cell is followed by the reason; criterion and numbers inside <details>
    fail_row = re.search(r'<tr class="claim" id="row\d+">.*?c-e1b.*?</tr>', page).group(0)
    assert re.search(r'<td class="fail">FAIL</td><td>noise floor</td><td><details>', fail_row)
    assert "<b>measured:</b> m1b" in fail_row
    assert page.count('<td class="unclaimed">FAIL (not claimed by the paper here)</td>') == 1
    # E10's second row does not repeat the first row's numbers
    assert page.count(LONG.strip()) == 1 and "the same numbers as row 5" in page
    assert len(re.findall(r'<tr class="claim"', page)) == 10
    assert caption.read_text() == (
        "**This run**: 10 claims, 5 PASS, 3 FAIL (1 of them of claims the paper does not make for those "
        "networks), 2 not decided.\n"
    )

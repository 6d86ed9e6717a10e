"""The checklist page: the paper's location and scope beside each claim, why after the
verdict, and FAILs of claims the paper does not make counted apart."""

from __future__ import annotations

import re

from sgd_support.reporting.checklist import write_checklist
from sgd_support.reporting.claims import Claim, not_claimed_for, write_claims


def test_columns_verdicts_and_counts(tmp_path):
    rows = [
        Claim("E1", "c1", "k", "m", True, location="Theorem 1", scope="linear networks"),
        Claim("E2", "c2", "k", "m", False, location="App. C", scope="linear networks", why="noise floor"),
        Claim(
            "E5",
            "c3",
            "k",
            "m",
            False,
            location="Sec. 3.1",
            scope=not_claimed_for("linear", "ReLU"),
            why="up",
        ),
        Claim("E11", "c4", "k", "m", None, location="Sec. 5.1", scope="linear networks", why="one init seed"),
    ]
    write_claims(tmp_path / "a.parquet", rows[:2])
    write_claims(tmp_path / "b.parquet", rows[2:])
    html, caption = tmp_path / "c.html", tmp_path / "c.rst"
    write_checklist([tmp_path / "a.parquet", tmp_path / "b.parquet"], html, caption)
    page = html.read_text()
    head = page[page.index("<thead>") : page.index("</thead>")]
    columns = ["Experiment", "Location", "Scope", "Claim", "Criterion", "Measured", "Passed", "Why"]
    assert [head.index(f">{c}</th>") for c in columns] == sorted(head.index(f">{c}</th>") for c in columns)
    verdict_cells = re.findall(r'class="data row\d+ col6 (\w+)"', page)
    assert [verdict_cells.count(c) for c in ("pass", "fail", "unclaimed", "undecided")] == [
        1,
        1,
        1,
        1,
    ]
    assert "FAIL (not claimed by the paper here)" in page and "noise floor" in page
    assert caption.read_text() == (
        "**This run**: 4 claims, 1 PASS, 2 FAIL (1 of them of claims the paper does not make for those "
        "networks), 1 not decided.\n"
    )

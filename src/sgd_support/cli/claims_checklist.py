"""The report's claims checklist: every claims table of the run as one HTML table.

Usage: ``python -m sgd_support.cli.claims_checklist --html OUT.html --caption OUT.rst C1.parquet ...``
"""

from __future__ import annotations

import argparse

from sgd_support.atomic import atomic_path
from sgd_support.claims import read_claims
from sgd_support.html_tables import write_html_table

VERDICT = {True: ("PASS", "pass"), False: ("FAIL", "fail"), None: ("not decided", "undecided")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("claims", nargs="*")
    parser.add_argument("--html", required=True)
    parser.add_argument("--caption", required=True, help="output: the counts (reStructuredText)")
    args = parser.parse_args(argv)
    table = read_claims(args.claims)
    passed = [None if p is None or p != p else bool(p) for p in table["passed"]]  # NaN from Parquet -> None
    table["passed"] = [VERDICT[p][0] for p in passed]
    write_html_table(
        table.rename(columns=str.capitalize),
        args.html,
        "Claims checklist",
        "One row per claim of the paper, decided on this run's data. A claim the run does not "
        "reproduce is marked FAIL with its numbers; one without the data to decide it, 'not decided'.",
        row_classes=[VERDICT[p][1] for p in passed],
        verdict_column="Passed",
    )
    counts = {v[0]: sum(VERDICT[p][0] == v[0] for p in passed) for v in VERDICT.values()}
    with atomic_path(args.caption) as tmp:
        tmp.write_text(
            f"**This run**: {len(passed)} claims, " + ", ".join(f"{n} {k}" for k, n in counts.items()) + ".\n"
        )


if __name__ == "__main__":
    main()

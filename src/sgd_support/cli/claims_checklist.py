"""The report's claims checklist: every claims table of the run as one scorecard page
(:mod:`sgd_support.reporting.checklist`), its counts for the caption and its rows as Parquet.

Usage: ``python -m sgd_support.cli.claims_checklist --html OUT.html --caption OUT.rst
[--parquet OUT.parquet] C1.parquet ...``
"""

from __future__ import annotations

import argparse

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.reporting.checklist import write_checklist


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("claims", nargs="*")
    parser.add_argument("--html", required=True)
    parser.add_argument("--caption", required=True, help="output: the counts (reStructuredText)")
    parser.add_argument("--parquet", help="output: the scorecard's rows, grouped and ordered")
    args = parser.parse_args(argv)
    setup_logging()
    write_checklist(args.claims, args.html, args.caption, args.parquet)


if __name__ == "__main__":
    main()

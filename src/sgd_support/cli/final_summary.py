"""The final-state summary table of the sweep: Parquet and an HTML page for the report
(:mod:`sgd_support.reporting.final_summary`).

Usage: ``python -m sgd_support.cli.final_summary --parquet S.parquet --html S.html F1.parquet ...``
(F*: per-run final states written by ``aggregate_runs``).
"""

from __future__ import annotations

import argparse

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.reporting.final_summary import write_final_summary


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("final", nargs="+")
    parser.add_argument("--parquet", required=True)
    parser.add_argument("--html", required=True)
    args = parser.parse_args(argv)
    setup_logging()
    write_final_summary(args.final, args.parquet, args.html)


if __name__ == "__main__":
    main()

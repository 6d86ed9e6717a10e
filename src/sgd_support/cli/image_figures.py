"""E7 for one (image data set, model): W1 eigenvalue histograms, focus maps, a
test-metrics table, the focus shares over order seeds and the claims rows
(Proposition 5, focus concentration); see ``experiments/images/report.py``.

Usage: ``python -m sgd_support.cli.image_figures --data D.npz --weights W.parquet...
--trajectories T.parquet... --histograms H.png --focus F.png --shares S.png --table M.html
--table-tsv M.tsv --claims C.parquet``

``--weights`` and ``--trajectories`` list the runs' files in the same order (every
order seed of the pair's first init seed); a run's coordinates are read from its
Hive folder names. Figures and the table show each (optimizer, lr, batch)'s first
order seed; the claims use every seed.
"""

from __future__ import annotations

import argparse

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.experiments.images.report import write_e7


def comparison_parser(doc: str, figures: dict[str, str]) -> argparse.ArgumentParser:
    """The arguments of a CLI that compares the runs of one (data set, model), E7's and
    E9's: the data set, the runs' files, the eigenvalue histograms, its own ``figures``
    ({option: help}), the metrics tables and the claims."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--data", required=True)
    parser.add_argument("--weights", nargs="+", required=True)
    parser.add_argument("--trajectories", nargs="+", required=True)
    parser.add_argument("--histograms", required=True, help="PNG: W1 eigenvalue histograms")
    for option, help_text in figures.items():
        parser.add_argument(f"--{option}", required=True, help=help_text)
    parser.add_argument("--table", required=True, help="HTML")
    parser.add_argument("--table-tsv", required=True)
    parser.add_argument("--claims", required=True)
    return parser


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = comparison_parser(
        __doc__,
        {"focus": "PNG: focus maps", "shares": "PNG: focus shares per batch size over order seeds"},
    )
    args = parser.parse_args(argv)
    setup_logging()
    write_e7(
        args.data,
        args.weights,
        args.trajectories,
        histograms=args.histograms,
        focus=args.focus,
        shares=args.shares,
        table=args.table,
        table_tsv=args.table_tsv,
        claims=args.claims,
    )


if __name__ == "__main__":
    main()

"""E9 for one features data set and head model: W1 eigenvalue histograms and the
Gram matrix in W1's SVD basis at init and after each run (gold = the run with weight
decay; SGD with small and large batches), an accuracy table and a claims row; see
``experiments/head/report.py``. It takes E7's arguments (``cli/image_figures.py``)
with its own figure, ``--svd-gram``.

Usage: ``python -m sgd_support.cli.head_figures --data D.npz --weights W.parquet...
--trajectories T.parquet... --histograms H.png --svd-gram G.png --table M.html
--table-tsv M.tsv --claims C.parquet``
"""

from __future__ import annotations

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.cli.image_figures import comparison_parser
from sgd_support.experiments.head.report import write_e9


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = comparison_parser(__doc__, {"svd-gram": "PNG: |V^T W1^T W1| per run"})
    args = parser.parse_args(argv)
    setup_logging()
    write_e9(
        args.data,
        args.weights,
        args.trajectories,
        histograms=args.histograms,
        svd_gram=args.svd_gram,
        table=args.table,
        table_tsv=args.table_tsv,
        claims=args.claims,
    )


if __name__ == "__main__":
    main()

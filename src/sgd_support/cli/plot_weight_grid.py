"""Weight / Gram heatmap grid at init and at the end for one (data set, model, lr, init seed)
(:func:`sgd_support.experiments.synthetic.figures.weight_grid_figure`).

Usage: ``python -m sgd_support.cli.plot_weight_grid --rows w1|deep --data D.npz --init-weights I.npz
--final F.parquet --out PNG --caption RST [--shared-out PNG] W1.parquet ...`` (W*: the grid's
weights.parquet files). ``--out`` has a colour scale per panel (as the paper), ``--shared-out``
one per row.
For each optimizer / batch size the completed run with the smallest order seed is shown.
"""

from __future__ import annotations

import argparse

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.experiments.synthetic.figures import GRIDS, weight_grid_figure


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("weights", nargs="+")
    parser.add_argument(
        "--rows",
        choices=GRIDS,
        required=True,
        help="w1: |W1| and |Gram(W1)|; deep: |Gram| of the hidden-to-hidden layers",
    )
    parser.add_argument("--data", required=True)
    parser.add_argument("--init-weights", required=True)
    parser.add_argument("--final", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--caption", required=True)
    parser.add_argument("--shared-out", help="PNG: the same grid on one colour scale per row")
    args = parser.parse_args(argv)
    setup_logging()
    weight_grid_figure(
        args.rows,
        args.weights,
        args.data,
        args.init_weights,
        args.final,
        args.out,
        args.caption,
        args.shared_out,
    )


if __name__ == "__main__":
    main()

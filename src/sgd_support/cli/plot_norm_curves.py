"""Irrelevant norm (and loss) against step for one (data set, model, init seed)
(:func:`sgd_support.experiments.synthetic.figures.norm_curves_figure`).

Usage: ``python -m sgd_support.cli.plot_norm_curves --quantiles Q --final F --init S --out PNG --caption RST
[--setup JSON]``

``--setup``: the config's datasets, models, optimizers and training blocks as JSON; with
it, runs that a table of reference values applies to get them as markers ("authors' code,
re-run") and an "authors' code, re-run vs this run" table in the caption.
"""

from __future__ import annotations

import argparse
import json

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.experiments.synthetic.figures import norm_curves_figure


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quantiles", required=True)
    parser.add_argument("--final", required=True)
    parser.add_argument("--init", required=True, help="init seed to draw")
    parser.add_argument("--out", required=True)
    parser.add_argument("--caption", required=True, help="output: this run's numbers (reStructuredText)")
    parser.add_argument("--setup", default="", help="config blocks as JSON (for the paper's values)")
    args = parser.parse_args(argv)
    setup_logging()
    setup = json.loads(args.setup) if args.setup else None
    norm_curves_figure(args.quantiles, args.final, args.init, args.out, args.caption, setup)


if __name__ == "__main__":
    main()

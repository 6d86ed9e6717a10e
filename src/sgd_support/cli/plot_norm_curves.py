"""Irrelevant norm (and loss) against step for one (data set, model, init seed).

Usage: ``python -m sgd_support.cli.plot_norm_curves --quantiles Q --final F --init S --out PNG --caption RST
[--setup JSON]``

``--setup``: the config's datasets, models, optimizers and training blocks as JSON; with
it, runs that a table of the paper applies to get its values as markers and a "paper vs
this run" table in the caption.
"""

from __future__ import annotations

import argparse
import json

import pandas as pd

from sgd_support.atomic import atomic_path
from sgd_support.experiments.synthetic.norm_curves import caption_numbers, plot_norm_curves
from sgd_support.experiments.synthetic.paper_comparison import comparison, comparison_rst


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quantiles", required=True)
    parser.add_argument("--final", required=True)
    parser.add_argument("--init", required=True, help="init seed to draw")
    parser.add_argument("--out", required=True)
    parser.add_argument("--caption", required=True, help="output: this run's numbers (reStructuredText)")
    parser.add_argument("--setup", default="", help="config blocks as JSON (for the paper's values)")
    args = parser.parse_args(argv)
    quantiles = pd.read_parquet(args.quantiles)
    final = pd.read_parquet(args.final)
    quantiles, final = quantiles[quantiles["init"] == args.init], final[final["init"] == args.init]
    first = final.iloc[0]
    title = f"{first['experiment']}: {first['dataset']} target, model {first['model']}, init seed {args.init}"
    paper = comparison(quantiles, json.loads(args.setup)) if args.setup else None
    plot_norm_curves(quantiles, final, args.out, title, paper)
    with atomic_path(args.caption) as tmp:
        tmp.write_text(caption_numbers(final) + ("\n" + comparison_rst(paper) if paper is not None else ""))


if __name__ == "__main__":
    main()

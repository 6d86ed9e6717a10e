"""Weight / Gram heatmap grid at init and at the end for one (data set, model, lr, init seed).

Usage: ``python -m sgd_support.cli.plot_weight_grid --rows w1|deep --data D.npz --init-weights I.npz
--final F.parquet --out PNG --caption RST W1.parquet ...`` (W*: the group's weights.parquet files).
For each optimizer / batch size the completed run with the smallest order seed is shown.
"""

from __future__ import annotations

import argparse

import pandas as pd

from sgd_support.atomic import atomic_path
from sgd_support.data.store import load_dataset
from sgd_support.experiments.synthetic.weight_grids import deep_numbers, plot_weight_grid, w1_numbers
from sgd_support.models import load_weights
from sgd_support.reporting.aggregate import sort_runs
from sgd_support.reporting.run_paths import coordinates
from sgd_support.storage import read_weights


def end_weights(final: pd.DataFrame, paths: list[str]) -> dict:
    """label -> the last snapshot of its first completed run (None: all diverged),
    in the paper's column order."""
    by_coords = {tuple(coordinates(p).values()): p for p in paths}
    ends = {}
    for label, group in sort_runs(final).groupby("label", sort=False):
        done = group[group["status"] == "completed"].sort_values("order", key=lambda s: s.astype(int))
        if done.empty:
            ends[label] = None
            continue
        run = done.iloc[0]
        snapshots = read_weights(by_coords[tuple(run[k] for k in coordinates(paths[0]))])
        ends[label] = snapshots[max(snapshots)]
    return ends


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("weights", nargs="+")
    parser.add_argument(
        "--rows",
        choices=("w1", "deep"),
        required=True,
        help="w1: |W1| and |Gram(W1)|; deep: |Gram| of the hidden-to-hidden layers",
    )
    parser.add_argument("--data", required=True)
    parser.add_argument("--init-weights", required=True)
    parser.add_argument("--final", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--caption", required=True)
    args = parser.parse_args(argv)
    run = coordinates(args.weights[0])
    final = pd.read_parquet(args.final)
    final = final[(final["lr"] == run["lr"]) & (final["init"] == run["init"])]
    init = load_weights(args.init_weights)
    ends = end_weights(final, args.weights)
    first = final.iloc[0]
    title = (
        f"{first['experiment']}: {run['dataset']} target, model {run['model']}, "
        f"lr {run['lr']}, init seed {run['init']}"
    )
    if args.rows == "w1":
        rows, text = [("abs", 0), ("gram", 0)], w1_numbers(init, ends, load_dataset(args.data).support)
    else:
        layers = list(range(1, len(init) - 1))
        rows, text = [("gram", k) for k in layers], deep_numbers(init, ends, layers)
    plot_weight_grid(init, ends, rows, args.out, title)
    with atomic_path(args.caption) as tmp:
        tmp.write_text(text)


if __name__ == "__main__":
    main()

"""E7 for one (image data set, model): W1 eigenvalue histograms, focus maps, a
test-metrics table and the claims rows (Proposition 5, focus concentration).

Usage: ``python -m sgd_support.cli.image_figures --data D.npz --weights W.parquet...
--trajectories T.parquet... --histograms H.png --focus F.png --table M.html --table-tsv M.tsv
--claims C.parquet``

``--weights`` and ``--trajectories`` list the runs' files in the same order; a
run's coordinates are read from its Hive folder names.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from sgd_support.claims import Claim, write_claims
from sgd_support.figure_runs import (
    eigen_panels, figure_parser, init_row, load_figure_inputs, run_row, title, write_tables,
)  # fmt: skip
from sgd_support.image_analysis import (
    column_change, effective_pixel_share, focus_map, never_lit,
)  # fmt: skip
from sgd_support.image_plots import eigen_histograms, image_panels

log = logging.getLogger("sgd_support.image_figures")


def summary_table(runs: list[dict], data, dead: np.ndarray) -> pd.DataFrame:
    """One row for the init and one per run: losses, accuracies, focus share, and the
    largest change of a never-lit pixel's W1 column."""
    share = effective_pixel_share(focus_map(runs[0]["w_init"], data.image_shape))
    rows = [{**init_row(runs[0]), "effective_pixel_share": share, "never_lit_max_change": 0.0}]
    for run in runs:
        rows.append({
            **run_row(run),
            "effective_pixel_share": effective_pixel_share(focus_map(run["w_end"], data.image_shape)),
            "never_lit_max_change": column_change(run["w_init"], run["w_end"], dead),
        })  # fmt: skip
    return pd.DataFrame(rows)


def e7_claims(table: pd.DataFrame, runs: list[dict], dead: np.ndarray, label: str) -> list[Claim]:
    """Proposition 5 (exact) and "smaller batch, more concentrated focus map"."""
    done = [(r, row) for r, (_, row) in zip(runs, table.iloc[1:].iterrows()) if row["status"] == "completed"]
    plain = [(r, row) for r, row in done if r["weight_decay"] == 0]
    skipped = len(runs) - len(done)
    note = f"; {skipped} diverged run(s) left out" if skipped else ""
    if not dead.any() or not plain:
        prop5 = Claim("E7", f"{label}: W1 columns of never-lit pixels do not change without weight decay "
                      "(Proposition 5)", "max |W1_end - W1_init| over those columns == 0 exactly, every run "
                      "without weight decay", f"no never-lit pixel or no completed run without weight decay{note}",
                      None)  # fmt: skip
    else:
        changes = ", ".join(f"{r['name']} lr {r['lr']}: {row['never_lit_max_change']:.3g}" for r, row in plain)
        wd_changes = ", ".join(f"{r['name']} lr {r['lr']}: {row['never_lit_max_change']:.3g}"
                               for r, row in done if r["weight_decay"] > 0)  # fmt: skip
        prop5 = Claim(
            "E7", f"{label}: W1 columns of never-lit pixels do not change without weight decay (Proposition 5)",
            "max |W1_end - W1_init| over those columns == 0 exactly (bitwise), every run without weight decay",
            f"{int(dead.sum())} of {dead.size} pixels never lit in the training images; max change: {changes}"
            + (f"; with weight decay (not covered): {wd_changes}" if wd_changes else "") + note,
            bool(all(row["never_lit_max_change"] == 0.0 for _, row in plain)),
        )  # fmt: skip
    verdicts, parts = [], []
    for lr in sorted({r["lr"] for r, _ in plain}, key=float):
        at_lr = sorted(((r["effective_batch"], row["effective_pixel_share"], r["name"]) for r, row in plain
                        if r["lr"] == lr))  # fmt: skip
        if len(at_lr) >= 2:
            shares = [s for _, s, _ in at_lr]
            verdicts.append(all(a < b for a, b in zip(shares, shares[1:])))
        parts.append(f"lr {lr}: " + ", ".join(f"{name} (b={b}) {s:.4f}" for b, s, name in at_lr))
    init_share = table.iloc[0]["effective_pixel_share"]
    focus = Claim(
        "E7", f"{label}: the smaller the batch, the more concentrated the focus map (Fig. 5)",
        "effective pixel share of the focus map (participation ratio of squared W1 column norms / pixels; "
        "1 = spread evenly, smaller = concentrated) strictly increases with the batch size (GD = the data size), "
        "runs without weight decay at the same lr",
        f"init {init_share:.4f}; " + "; ".join(parts) + note,
        bool(all(verdicts)) if verdicts else None,
    )  # fmt: skip
    return [prop5, focus]


def main(argv: list[str] | None = None) -> None:
    args = figure_parser(__doc__, "focus").parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    data, runs, label, many_lrs = load_figure_inputs(args)
    dead = never_lit(data.x)
    init_w = runs[0]["w_init"]
    eigen_histograms(eigen_panels(runs, many_lrs), args.histograms)
    image_panels([("focus of W1 at init", focus_map(init_w, data.image_shape))]
                 + [(f"{title(r, many_lrs)} focus of W1", focus_map(r["w_end"], data.image_shape))
                    for r in runs], args.focus)  # fmt: skip
    table = summary_table(runs, data, dead)
    write_tables(table, f"E7 test metrics: {label}", args.table, args.table_tsv)
    claims = e7_claims(table, runs, dead, label)
    write_claims(args.claims, claims)
    for c in claims:
        log.info("%s | %s | %s", c.claim, c.measured, c.passed)
    log.info("\n%s", table.to_string(index=False))


if __name__ == "__main__":
    main()

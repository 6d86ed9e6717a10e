"""E9 for one features data set and head model: W1 eigenvalue histograms and the
Gram matrix in W1's SVD basis at init and after each run (gold = the run with weight
decay; SGD with small and large batches), an accuracy table and a claims row.

Usage: ``python -m sgd_support.cli.head_figures --data D.npz --weights W.parquet...
--trajectories T.parquet... --histograms H.png --svd-gram G.png --table M.html
--table-tsv M.tsv --claims C.parquet``
"""

from __future__ import annotations

import logging

import pandas as pd

from sgd_support.cli.logs import setup_logging
from sgd_support.experiments.images.analysis import count_above, gram_eigenvalues, svd_basis_gram
from sgd_support.experiments.images.plots import eigen_histograms, image_panels
from sgd_support.experiments.images.runs import (
    eigen_panels,
    figure_parser,
    init_row,
    load_figure_inputs,
    run_row,
    title,
    write_tables,
)
from sgd_support.reporting.claims import Claim, write_claims

log = logging.getLogger("sgd_support.head_figures")

# An eigenvalue of W1^T W1 "stays" when it is above this share of the init's mean
# eigenvalue (trace / d): the init's bulk sits around 1x, a pruned direction at ~0.
THRESHOLD_SHARE = 0.1


def summary_table(runs: list[dict], threshold: float) -> pd.DataFrame:
    """Init and one row per run: losses, accuracies, eigenvalues above ``threshold``."""
    rows = [
        {
            **init_row(runs[0]),
            "eigenvalues_above": count_above(gram_eigenvalues(runs[0]["w_init"]), threshold),
        }
    ]
    rows += [
        {**run_row(r), "eigenvalues_above": count_above(gram_eigenvalues(r["w_end"]), threshold)}
        for r in runs
    ]
    return pd.DataFrame(rows)


def e9_claim(table: pd.DataFrame, runs: list[dict], threshold: float, label: str) -> Claim:
    """Gold keeps fewest eigenvalues; small-batch SGD keeps fewer than large-batch SGD."""
    done = [(r, row) for r, (_, row) in zip(runs, table.iloc[1:].iterrows()) if row["status"] == "completed"]
    gold = [(r, row) for r, row in done if r["weight_decay"] > 0]
    plain = sorted(
        ((r, row) for r, row in done if r["weight_decay"] == 0), key=lambda p: p[0]["effective_batch"]
    )
    counts = "; ".join(f"{r['name']} lr {r['lr']}: {row['eigenvalues_above']}" for r, row in done)
    measured = f"threshold {threshold:.4g}; init: {table.iloc[0]['eigenvalues_above']}; {counts}"
    passed, why = None, "the config needs a completed weight-decay run and two SGD batch sizes"
    if gold and len(plain) >= 2 and plain[0][0]["effective_batch"] < plain[-1][0]["effective_batch"]:
        g, small, large = (pair[1]["eigenvalues_above"] for pair in (gold[0], plain[0], plain[-1]))
        passed = bool(g <= small < large)
        why = (
            ""
            if passed
            else (
                f"eigenvalues kept: gold {g}, smallest batch {small}, largest batch {large} "
                "(not gold <= small < large; eigenvalue histograms figure)"
            )
        )
    else:
        measured += " (needs a completed weight-decay run and two SGD batch sizes)"
    return Claim(
        "E9",
        f"{label}: the gold head (strong weight decay) keeps a few directions of the features; "
        "small-batch SGD keeps fewer than large-batch SGD (Fig. 8, 19)",
        f"eigenvalues of W1^T W1 above {THRESHOLD_SHARE} x the init's mean eigenvalue: "
        "gold <= smallest batch < largest batch",
        measured,
        passed,
        location="App. D, Fig. 8, 18, 19",
        scope="images",
        why=why,
    )


def main(argv: list[str] | None = None) -> None:
    args = figure_parser(__doc__, "svd-gram").parse_args(argv)
    setup_logging()
    _, runs, label, many_lrs = load_figure_inputs(args)
    init_w = runs[0]["w_init"]
    threshold = THRESHOLD_SHARE * float(gram_eigenvalues(init_w).mean())
    eigen_histograms(eigen_panels(runs, many_lrs), args.histograms)
    image_panels(
        [("|V^T W1^T W1| at init", svd_basis_gram(init_w))]
        + [(f"|V^T W1^T W1| after {title(r, many_lrs)}", svd_basis_gram(r["w_end"])) for r in runs],
        args.svd_gram,
    )
    table = summary_table(runs, threshold)
    write_tables(table, f"E9 head accuracy: {label}", args.table, args.table_tsv)
    claim = e9_claim(table, runs, threshold, label)
    write_claims(args.claims, [claim])
    log.info("%s | %s | %s", claim.claim, claim.measured, claim.passed)
    log.info("\n%s", table.to_string(index=False))


if __name__ == "__main__":
    main()

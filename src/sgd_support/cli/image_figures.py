"""E7 for one (image data set, model): W1 eigenvalue histograms, focus maps, a
test-metrics table, the focus shares over order seeds and the claims rows
(Proposition 5, focus concentration).

Usage: ``python -m sgd_support.cli.image_figures --data D.npz --weights W.parquet...
--trajectories T.parquet... --histograms H.png --focus F.png --shares S.png --table M.html
--table-tsv M.tsv --claims C.parquet``

``--weights`` and ``--trajectories`` list the runs' files in the same order (every
order seed of the pair's first init seed); a run's coordinates are read from its
Hive folder names. Figures and the table show each (optimizer, lr, batch)'s first
order seed; the claims use every seed.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from sgd_support.cli.logs import setup_logging
from sgd_support.experiments.images import focus_order
from sgd_support.experiments.images.analysis import (
    column_change,
    effective_pixel_share,
    focus_map,
    never_lit,
)
from sgd_support.experiments.images.plots import eigen_histograms, focus_share_plot, image_panels
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

log = logging.getLogger("sgd_support.image_figures")


def summary_table(runs: list[dict], data, dead: np.ndarray) -> pd.DataFrame:
    """One row for the init and one per run: losses, accuracies, focus share, and the
    largest change of a never-lit pixel's W1 column."""
    share = effective_pixel_share(focus_map(runs[0]["w_init"], data.image_shape))
    rows = [{**init_row(runs[0]), "effective_pixel_share": share, "never_lit_max_change": 0.0}]
    for run in runs:
        rows.append(
            {
                **run_row(run),
                "effective_pixel_share": effective_pixel_share(focus_map(run["w_end"], data.image_shape)),
                "never_lit_max_change": column_change(run["w_init"], run["w_end"], dead),
            }
        )
    return pd.DataFrame(rows)


PROP5 = dict(
    location="Proposition 5, App. F.1 (proof App. K.1)",
    scope="images (stated for linear networks; a never-lit pixel's W1 column gets no gradient in any MLP)",
)
FOCUS = dict(location="Sec. 5.2, Fig. 2, 5", scope="images")


def prop5_claim(runs: list[dict], changes: list[float], dead: np.ndarray, label: str, note: str) -> Claim:
    """Proposition 5: the W1 columns of never-lit pixels are bitwise unchanged by every
    completed run without weight decay (``changes``: each run's largest change there)."""
    claim = f"{label}: W1 columns of never-lit pixels do not change without weight decay (Proposition 5)"
    criterion = (
        "max |W1_end - W1_init| over those columns == 0 exactly (bitwise), every run without weight decay"
    )
    plain = [(r, c) for r, c in zip(runs, changes) if r["weight_decay"] == 0]
    if not dead.any() or not plain:
        measured = f"no never-lit pixel or no completed run without weight decay{note}"
        return Claim("E7", claim, criterion, measured, None, **PROP5, why="the sweep has no data for it")
    worst = max(c for _, c in plain)
    wd = [f"{r['name']}: {c:.3g}" for r, c in zip(runs, changes) if r["weight_decay"] > 0]
    measured = (
        f"{int(dead.sum())} of {dead.size} pixels never lit in the training images; largest change "
        f"over {len(plain)} runs without weight decay (all order seeds): {worst:.3g}"
        + (f"; with weight decay (not covered): {', '.join(wd)}" if wd else "")
        + note
    )
    passed = worst == 0.0
    why = "" if passed else "a run without wd moved a never-lit column (metrics.tsv: never_lit_max_change)"
    return Claim("E7", claim, criterion, measured, passed, **PROP5, why=why)


def focus_claims(runs: list[dict], shares: list[float], label: str, data_size: int, note: str) -> list[Claim]:
    """ "The smaller the batch, the more concentrated the focus map", per lr, over order
    seeds: over SGD's batch sizes (the paper's range: SGD-32 against SGD-2k), and with
    GD added as the data size."""
    criterion = (
        "per batch size, the median over order seeds of the effective pixel share (participation "
        "ratio of squared W1 column norms / pixels; 1 = spread evenly, smaller = concentrated) "
        "strictly increases with the batch size, and Spearman's rho of share vs batch over all "
        f"runs > 0 at one-sided p < {focus_order.ALPHA}; "
        "runs without weight decay at one lr"
    )
    rows = []
    for lr in sorted({r["lr"] for r in runs}, key=float):
        at_lr = [
            (r["effective_batch"], s)
            for r, s in zip(runs, shares)
            if r["lr"] == lr and r["weight_decay"] == 0
        ]
        for with_gd in (False, True):
            chosen = [(b, s) for b, s in at_lr if with_gd or b < data_size]
            if with_gd and all(b < data_size for b, _ in chosen):
                continue  # no GD run: the first row says it all
            batches, values = np.array([b for b, _ in chosen]), np.array([s for _, s in chosen])
            bands = focus_order.share_bands(batches, values)
            rho, p = focus_order.rank_test(batches, values)
            passed = focus_order.decide(bands, rho, p)
            scope = "SGD and GD (= the data size)" if with_gd else "SGD batch sizes (the paper's range)"
            rows.append(
                Claim(
                    "E7",
                    f"{label}: the smaller the batch, the more concentrated the focus map; {scope}; lr {lr}",
                    criterion,
                    focus_order.describe(bands, rho, p, data_size) + note,
                    passed,
                    **FOCUS,
                    why="" if passed else focus_order.explain(bands, rho, p, data_size),
                )
            )
    return rows


def first_seeds(runs: list[dict]) -> list[dict]:
    """The figures' runs: per (optimizer, lr, batch) the one of the smallest order seed."""
    chosen = {}
    for run in sorted(runs, key=lambda r: int(r["order"])):
        chosen.setdefault((run["optimizer"], run["lr"], run["batch"]), run)
    keep = {id(run) for run in chosen.values()}  # runs hold arrays: compare by identity
    return [r for r in runs if id(r) in keep]


def main(argv: list[str] | None = None) -> None:
    parser = figure_parser(__doc__, "focus")
    parser.add_argument("--shares", required=True, help="PNG: focus shares per batch size over order seeds")
    args = parser.parse_args(argv)
    setup_logging()
    data, all_runs, label, many_lrs = load_figure_inputs(args)
    runs = first_seeds(all_runs)
    dead = never_lit(data.x)
    init_w = runs[0]["w_init"]
    eigen_histograms(eigen_panels(runs, many_lrs), args.histograms)
    image_panels(
        [("focus of W1 at init", focus_map(init_w, data.image_shape))]
        + [(f"{title(r, many_lrs)} focus of W1", focus_map(r["w_end"], data.image_shape)) for r in runs],
        args.focus,
    )
    table = summary_table(runs, data, dead)
    write_tables(table, f"E7 test metrics: {label}", args.table, args.table_tsv)
    done = [r for r in all_runs if r["last"]["status"] == "completed"]
    skipped = len(all_runs) - len(done)
    note = f"; {skipped} diverged run(s) left out" if skipped else ""
    shares = [effective_pixel_share(focus_map(r["w_end"], data.image_shape)) for r in done]
    init_share = effective_pixel_share(focus_map(init_w, data.image_shape))
    focus_share_plot(done, shares, init_share, data.n, args.shares)
    changes = [column_change(r["w_init"], r["w_end"], dead) for r in done]
    claims = [prop5_claim(done, changes, dead, label, note), *focus_claims(done, shares, label, data.n, note)]
    write_claims(args.claims, claims)
    for c in claims:
        log.info("%s | %s | %s | %s", c.claim, c.measured, c.passed, c.why)
    log.info("\n%s", table.to_string(index=False))


if __name__ == "__main__":
    main()

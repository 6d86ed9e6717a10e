"""E7 for one (image data set, model): W1 eigenvalue histograms, focus maps, a
test-metrics table and the claims rows (Proposition 5, focus concentration).

Usage: ``python -m sgd_support.cli.image_figures --data D.npz --weights W.parquet...
--trajectories T.parquet... --histograms H.png --focus F.png --table M.html --table-tsv M.tsv
--claims C.parquet``

``--weights`` and ``--trajectories`` list the runs' files in the same order; a
run's coordinates are read from its Hive folder names.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from sgd_support.atomic import atomic_path
from sgd_support.claims import Claim, write_claims
from sgd_support.data.store import load_dataset
from sgd_support.image_analysis import (
    column_change, effective_pixel_share, focus_map, gram_eigenvalues, never_lit,
)  # fmt: skip
from sgd_support.image_plots import eigen_histograms, image_panels
from sgd_support.storage import read_metadata, read_trajectory, read_weights

log = logging.getLogger("sgd_support.image_figures")


def partitions(path: str | Path) -> dict[str, str]:
    """The ``key=value`` folder names of a run's path, as a dict."""
    return dict(part.split("=", 1) for part in Path(path).parts if "=" in part)


def load_run(weights_path: str, trajectory_path: str, n: int) -> dict:
    """A run's coordinates, spec, W1 at init and at the end, first and last rows."""
    snaps = read_weights(weights_path)
    spec = read_metadata(weights_path)["spec"]
    traj = read_trajectory(trajectory_path)
    batch = spec["batch"]
    wd = float(spec.get("weight_decay", 0.0))
    name = ("GD" if batch is None else f"SGD-{batch}") + ("+wd" if wd else "")
    return {
        **partitions(weights_path), "name": name, "weight_decay": wd,
        "effective_batch": n if batch is None else int(batch), "steps": int(spec["steps"]),
        "w_init": snaps[min(snaps)][0], "w_end": snaps[max(snaps)][0],
        "first": traj.iloc[0].to_dict(), "last": traj.iloc[-1].to_dict(),
    }  # fmt: skip


def _order(runs: list[dict]) -> list[dict]:
    """No-wd runs by batch size, largest (GD) first, then weight-decay runs."""
    return sorted(runs, key=lambda r: (r["weight_decay"] > 0, -r["effective_batch"], float(r["lr"])))


def _title(run: dict, many_lrs: bool) -> str:
    return run["name"] + (f" lr {run['lr']}" if many_lrs else "")


def _metrics_note(row: dict) -> str:
    return f"test loss: {row.get('test_loss', np.nan):.4f}\naccuracy: {100 * row.get('test_accuracy', np.nan):.2f}"


def summary_table(runs: list[dict], data, dead: np.ndarray) -> pd.DataFrame:
    """One row for the init and one per run: losses, accuracies, focus share, and the
    largest change of a never-lit pixel's W1 column."""
    init = runs[0]
    rows = [{"run": "init", "lr": "", "batch": "", "weight_decay": "", "steps": 0, "status": "",
             "train_loss": init["first"]["full_loss"], "test_loss": init["first"].get("test_loss"),
             "train_accuracy": init["first"].get("train_accuracy"),
             "test_accuracy": init["first"].get("test_accuracy"),
             "effective_pixel_share": effective_pixel_share(focus_map(init["w_init"], data.image_shape)),
             "never_lit_max_change": 0.0}]  # fmt: skip
    for run in runs:
        last = run["last"]
        rows.append({
            "run": run["name"], "lr": run["lr"], "batch": run["batch"], "weight_decay": run["weight_decay"],
            "steps": run["steps"], "status": last["status"], "train_loss": last["full_loss"],
            "test_loss": last.get("test_loss"), "train_accuracy": last.get("train_accuracy"),
            "test_accuracy": last.get("test_accuracy"),
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


def write_tables(table: pd.DataFrame, title: str, html: str, tsv: str) -> None:
    """The metrics table as HTML (for the report) and as TSV (for reading back)."""
    with atomic_path(tsv) as tmp:
        table.to_csv(tmp, sep="\t", index=False)
    body = table.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="")
    with atomic_path(html) as tmp:
        tmp.write_text(f"<html><head><meta charset='utf-8'><title>{title}</title></head>"
                       f"<body><h3>{title}</h3>{body}</body></html>\n")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--weights", nargs="+", required=True)
    parser.add_argument("--trajectories", nargs="+", required=True)
    parser.add_argument("--histograms", required=True)
    parser.add_argument("--focus", required=True)
    parser.add_argument("--table", required=True, help="HTML")
    parser.add_argument("--table-tsv", required=True)
    parser.add_argument("--claims", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    data = load_dataset(args.data)
    runs = _order([load_run(w, t, data.n) for w, t in zip(args.weights, args.trajectories, strict=True)])
    coords = partitions(args.weights[0])
    label = f"{coords['dataset']}/{coords['model']}"
    many_lrs = len({r["lr"] for r in runs}) > 1
    dead = never_lit(data.x)
    init_w = runs[0]["w_init"]
    eigen_histograms(
        [("W1 at init", gram_eigenvalues(init_w), _metrics_note(runs[0]["first"]))]
        + [(f"W1 after {_title(r, many_lrs)}", gram_eigenvalues(r["w_end"]), _metrics_note(r["last"]))
           for r in runs], args.histograms)  # fmt: skip
    image_panels([("focus of W1 at init", focus_map(init_w, data.image_shape))]
                 + [(f"{_title(r, many_lrs)} focus of W1", focus_map(r["w_end"], data.image_shape))
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

"""Reading the runs a figure compares (E7, E9): coordinates, spec, first-layer weights
at init and at the end, first and last recorded rows; and writing their table."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from sgd_support.core.atomic import atomic_path
from sgd_support.core.data.store import load_dataset
from sgd_support.core.storage import read_metadata, read_trajectory, read_weights
from sgd_support.experiments.images.analysis import gram_eigenvalues
from sgd_support.reporting.claims import Claim
from sgd_support.reporting.figure_style import colour_hex
from sgd_support.reporting.run_paths import coordinates
from sgd_support.reporting.tables import Table, write_html_page


def load_run(weights_path: str, trajectory_path: str, n: int) -> dict:
    """A run's coordinates (strings), display name ("GD", "SGD-32", "+wd"),
    weight decay, effective batch (GD: ``n``), steps, ``w_init``/``w_end`` (W1)
    and the ``first``/``last`` trajectory rows as dicts."""
    snaps = read_weights(weights_path)
    spec = read_metadata(weights_path)["spec"]
    traj = read_trajectory(trajectory_path)
    batch = spec["batch"]
    wd = float(spec.get("weight_decay", 0.0))
    name = ("GD" if batch is None else f"SGD-{batch}") + ("+wd" if wd else "")
    return {
        **coordinates(weights_path),
        "name": name,
        "weight_decay": wd,
        "effective_batch": n if batch is None else int(batch),
        "steps": int(spec["steps"]),
        "w_init": snaps[min(snaps)][0],
        "w_end": snaps[max(snaps)][0],
        "first": traj.iloc[0].to_dict(),
        "last": traj.iloc[-1].to_dict(),
    }


def load_runs(weights: list[str], trajectories: list[str], n: int) -> list[dict]:
    """Runs of paired file lists, without weight decay first by batch size, largest
    (GD) first, then weight-decay runs."""
    runs = [load_run(w, t, n) for w, t in zip(weights, trajectories, strict=True)]
    return sorted(runs, key=lambda r: (r["weight_decay"] > 0, -r["effective_batch"], r["lr"]))


def title(run: dict, many_lrs: bool) -> str:
    return run["name"] + (f" lr {run['lr']}" if many_lrs else "")


def metrics_note(row: dict) -> str:
    """Test loss and accuracy (%) of a trajectory row, for a panel's box."""
    loss, accuracy = row.get("test_loss", np.nan), 100 * row.get("test_accuracy", np.nan)
    return f"test loss: {loss:.4f}\naccuracy: {accuracy:.2f}"


def run_row(run: dict) -> dict:
    """The table columns every figure's metrics table shares, for one run."""
    last = run["last"]
    return {
        "run": run["name"],
        "lr": run["lr"],
        "batch": run["batch"],
        "weight_decay": run["weight_decay"],
        "steps": run["steps"],
        "status": last["status"],
        "train_loss": last["full_loss"],
        "test_loss": last.get("test_loss"),
        "train_accuracy": last.get("train_accuracy"),
        "test_accuracy": last.get("test_accuracy"),
    }


def init_row(run: dict) -> dict:
    """The same columns for the untrained network (the first row of ``run``)."""
    first = run["first"]
    return {
        "run": "init",
        "lr": "",
        "batch": "",
        "weight_decay": "",
        "steps": 0,
        "status": "",
        "train_loss": first["full_loss"],
        "test_loss": first.get("test_loss"),
        "train_accuracy": first.get("train_accuracy"),
        "test_accuracy": first.get("test_accuracy"),
    }


def metrics_table(runs: list[dict], measures: Callable[[np.ndarray, np.ndarray], dict]) -> pd.DataFrame:
    """The init's row, then one per run: the shared columns and ``measures(w_init, w1)``
    of its first layer (the init's row measures the first run's init against itself)."""
    w_init = runs[0]["w_init"]
    rows = [{**init_row(runs[0]), **measures(w_init, w_init)}]
    rows += [{**run_row(run), **measures(run["w_init"], run["w_end"])} for run in runs]
    return pd.DataFrame(rows)


def write_tables(table: pd.DataFrame, heading: str, html: str, tsv: str) -> None:
    """A metrics table as HTML (for the report) and as TSV (for reading back)."""
    with atomic_path(tsv) as tmp:
        table.to_csv(tmp, sep="\t", index=False)
    swatches = ["" if run == "init" else colour_hex(run) for run in table["run"]]
    write_html_page(html, heading, [Table(table, swatches=swatches, swatch_column="run")])


def load_figure_inputs(data_path: str, weights: list[str], trajectories: list[str]):
    """``(data, runs, label, many_lrs)`` of a run-comparison figure: the data set, its
    runs (see :func:`load_runs`), "dataset/model", and whether lrs differ."""
    data = load_dataset(data_path)
    runs = load_runs(weights, trajectories, data.n)
    coords = coordinates(weights[0])
    return data, runs, f"{coords['dataset']}/{coords['model']}", len({r["lr"] for r in runs}) > 1


def eigen_panels(runs: list[dict], many_lrs: bool) -> list[tuple[str, np.ndarray, str]]:
    """Histogram panels of W1^T W1's eigenvalues: the init, then each run, with test metrics."""
    return [("W1 at init", gram_eigenvalues(runs[0]["w_init"]), metrics_note(runs[0]["first"]))] + [
        (f"W1 after {title(r, many_lrs)}", gram_eigenvalues(r["w_end"]), metrics_note(r["last"]))
        for r in runs
    ]


def log_results(log: logging.Logger, claims: list[Claim], table: pd.DataFrame) -> None:
    """Each claim row (claim | measured | passed | why) and the metrics table, to ``log``
    (the experiment's logger: the job's log names the experiment's module)."""
    for c in claims:
        log.info("%s | %s | %s | %s", c.claim, c.measured, c.passed, c.why)
    log.info("\n%s", table.to_string(index=False))

"""Where a sweep stands (``sgd-support status``): each run of the config done,
diverged, resumable from a checkpoint or missing, read from the results folder's
Parquet metadata (the status the training job wrote)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from sgd_support.storage import SchemaVersionError, read_metadata

COORDINATES = (
    "dataset={dataset}/model={model}/optimizer={optimizer}/lr={lr}/batch={batch}/init={init}/order={order}"
)
RUN_DIR = f"runs/{COORDINATES}"  # under the results folder, as the workflow writes them
CHECKPOINT = f"checkpoints/{COORDINATES}.npz"
STATES = ("done", "diverged", "checkpoint", "missing", "stale")
# done: both files, status completed; diverged: both files, status diverged (a
# result, not a failure); checkpoint: not finished, a killed job's checkpoint
# waits; missing: nothing yet; stale: written by another schema version (rerun).


def run_state(results: str | os.PathLike, run: dict[str, str]) -> str:
    """The state (one of STATES) of the run with coordinates ``run`` under ``results``."""
    folder = Path(results) / RUN_DIR.format(**run)
    trajectory, weights = folder / "trajectory.parquet", folder / "weights.parquet"
    if trajectory.exists() and weights.exists():
        try:
            status = read_metadata(trajectory).get("status")
        except SchemaVersionError:
            return "stale"
        return "diverged" if status == "diverged" else "done"
    return "checkpoint" if (Path(results) / CHECKPOINT.format(**run)).exists() else "missing"


def sweep_status(results: str | os.PathLike, runs: list[dict[str, str]]) -> dict[tuple, Counter]:
    """Counts of each state per (dataset, model, optimizer, batch), in run order."""
    out: dict[tuple, Counter] = {}
    for run in runs:
        key = (run["dataset"], run["model"], run["optimizer"], run["batch"])
        out.setdefault(key, Counter())[run_state(results, run)] += 1
    return out

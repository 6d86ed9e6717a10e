"""Where a sweep stands (``sgd-support status``): each run of the config done,
diverged, resumable from a checkpoint or missing, read from the results folder's
Parquet metadata (the status the training job wrote)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from sgd_support.config import expand_runs
from sgd_support.reporting.run_paths import RUN_PARTS
from sgd_support.storage import SchemaVersionError, read_metadata
from sgd_support.sweep.workflow_config import load_config

RUN_DIR = f"runs/{RUN_PARTS}"  # under the results folder, as the workflow writes them
CHECKPOINT = f"checkpoints/{RUN_PARTS}.npz"  # a run's own (a group member's final state too)
# a group's ensembles' (training.group: cell; config.train_groups names the group)
GROUP_CHECKPOINTS = "checkpoints/groups/dataset={dataset}/model={model}/batch={batch}.e*.npz"
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
    if (Path(results) / CHECKPOINT.format(**run)).exists():
        return "checkpoint"
    return "checkpoint" if any(Path(results).glob(GROUP_CHECKPOINTS.format(**run))) else "missing"


def sweep_status(results: str | os.PathLike, runs: list[dict[str, str]]) -> dict[tuple, Counter]:
    """Counts of each state per (dataset, model, optimizer, batch), in run order."""
    out: dict[tuple, Counter] = {}
    for run in runs:
        key = (run["dataset"], run["model"], run["optimizer"], run["batch"])
        out.setdefault(key, Counter())[run_state(results, run)] += 1
    return out


def status_report(configfile: Path, results: Path) -> list[str]:
    """The lines of ``sgd-support status``: the state of each run of ``configfile``'s sweep
    under ``results``, counted per (dataset, model, optimizer, batch)."""
    lines = []
    runs = expand_runs(load_config(configfile))
    table = sweep_status(results, runs)
    lines.append(f"# {configfile}: {len(runs)} training runs under {results}")
    lines.append(
        f"{'dataset':<14} {'model':<12} {'optimizer':<16} {'batch':>5} "
        + " ".join(f"{s:>10}" for s in STATES)
    )
    for (dataset, model, optimizer, batch), counter in table.items():
        lines.append(
            f"{dataset:<14} {model:<12} {optimizer:<16} {batch:>5} "
            + " ".join(f"{counter[s]:>10}" for s in STATES)
        )
    total = {s: sum(c[s] for c in table.values()) for s in STATES}
    lines.append("total: " + ", ".join(f"{total[s]} {s}" for s in STATES))
    return lines

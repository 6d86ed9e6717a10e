"""Where a sweep stands (``sgd-support status``): each run of the config done,
diverged, resumable from a checkpoint, missing, stale or damaged, read from the
results folder's Parquet metadata (the status the training job wrote); and every
damaged file of the results folder, which ``sgd-support repair`` moves aside."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from sgd_support.core.errors import REPAIR, DamagedFileError
from sgd_support.core.integrity import DAMAGED_DIR, RUN_FILES, damage, find_damaged, move_aside
from sgd_support.core.storage import SchemaVersionError, read_metadata
from sgd_support.reporting import run_paths
from sgd_support.sweep.config_check import load_config
from sgd_support.sweep.runs import expand_runs

# under the results folder, as the workflow writes them (run_paths, relative to results/)
RUN_DIR = run_paths.RUN_DIR.removeprefix("results/")
CHECKPOINT = run_paths.RUN_CHECKPOINT.removeprefix("results/")  # a member's final state too
# a group's ensembles' (training.group: cell; sweep.runs.train_groups names the group)
GROUP_PREFIX = run_paths.GROUP_CHECKPOINT.removeprefix("results/").format(group=run_paths.GROUP_NAME)
GROUP_CHECKPOINTS = GROUP_PREFIX + ".e*.npz"
STATES = ("done", "diverged", "checkpoint", "missing", "stale", "damaged")
# done: both files, status completed; diverged: both files, status diverged (a
# result, not a failure); checkpoint: not finished, a killed job's checkpoint
# waits; missing: nothing yet; stale: written by another schema version (rerun);
# damaged: a file of the run (or its checkpoint) does not read (`sgd-support repair`).


def run_state(results: str | os.PathLike, run: dict[str, str], damaged: dict[Path, str] | None = None) -> str:
    """The state (one of STATES) of the run with coordinates ``run`` under ``results``;
    ``damaged``: the damaged files found already (by default the run's files are checked)."""
    folder = Path(results) / RUN_DIR.format(**run)
    files = [folder / name for name in RUN_FILES]
    checkpoint = Path(results) / CHECKPOINT.format(**run)
    if damaged is None:
        damaged = {p: why for p in [*files, checkpoint] if p.exists() and (why := damage(p))}
    if any(p in damaged for p in files):
        return "damaged"
    if all(p.exists() for p in files):
        try:
            status = read_metadata(files[0]).get("status")
        except SchemaVersionError:
            return "stale"
        except DamagedFileError:  # damaged since the scan
            return "damaged"
        return "diverged" if status == "diverged" else "done"
    if checkpoint in damaged:
        return "damaged"
    if checkpoint.exists():
        return "checkpoint"
    return "checkpoint" if any(Path(results).glob(GROUP_CHECKPOINTS.format(**run))) else "missing"


def sweep_status(
    results: str | os.PathLike, runs: list[dict[str, str]], damaged: dict[Path, str] | None = None
) -> dict[tuple, Counter]:
    """Counts of each state per (dataset, model, optimizer, batch), in run order."""
    out: dict[tuple, Counter] = {}
    for run in runs:
        key = (run["dataset"], run["model"], run["optimizer"], run["batch"])
        out.setdefault(key, Counter())[run_state(results, run, damaged)] += 1
    return out


def status_report(configfile: Path, results: Path) -> list[str]:
    """The lines of ``sgd-support status``: the state of each run of ``configfile``'s sweep
    under ``results``, counted per (dataset, model, optimizer, batch), then every
    damaged file under ``results`` (any config's) with why it does not read."""
    lines = []
    runs = expand_runs(load_config(configfile))
    damaged = find_damaged(results)
    table = sweep_status(results, runs, damaged)
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
    if damaged:
        lines.append(
            f"{len(damaged)} damaged file(s) (every job reading one stops on it): `{REPAIR}` moves them "
            f"into {results / DAMAGED_DIR}/, then the same snakemake command rebuilds them"
        )
        lines += [f"  {path}: {why}" for path, why in damaged.items()]
    return lines


def repair_report(results: Path) -> list[str]:
    """``sgd-support repair``: move every damaged file under ``results`` into
    ``results/.damaged/<time>/``; the lines say which and where."""
    damaged = find_damaged(results)
    if not damaged:
        return [f"no damaged files under {results}"]
    target = move_aside(results, list(damaged))
    return [
        f"moved {len(damaged)} damaged file(s) into {target}/ "
        "(snakemake now sees them missing: the same snakemake command rebuilds them):",
        *(f"  {path}: {why}" for path, why in damaged.items()),
    ]

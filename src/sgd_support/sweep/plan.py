"""A sweep's cost before it runs: per stratum and in total (``sgd-support plan``).

Training runs are costed one by one by :mod:`sgd_support.sweep.cost`; the other jobs
(data sets, inits, aggregates, figures) and Snakemake's own work enter the local
wall time as the calibration's seconds per job, the jobs counted by a dry run of
the real workflow; SLURM submissions follow the profile's bundling (``groups``,
``group-components`` of ``slurm/config.yaml``).
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from sgd_support.sweep.cost import RunCost, load_calibration
from sgd_support.sweep.workflow_config import REPO

PROFILE = REPO / "slurm" / "config.yaml"
LOCAL_RULES = {"all"}  # run by Snakemake itself, never submitted


@dataclass
class Stratum:
    """Totals over the runs of one stratum (data set kind, model weights, batch, engine)."""

    runs: int = 0
    steps: int = 0
    cpu_s: float = 0.0  # on one CPU core each (a local run without a GPU)
    gpu_s: float = 0.0  # on GPU nodes (runs of GPU kinds; numba runs hold the GPU idle)
    calibrated_by: int = 0  # finished runs whose benchmark files scaled the estimate

    def add(self, cost: RunCost) -> None:
        self.runs += 1
        self.steps += cost.steps
        self.cpu_s += cost.cpu_s
        self.gpu_s += cost.node_s if cost.gpu else 0.0


def strata(costs: list[RunCost]) -> dict[tuple, Stratum]:
    out: dict[tuple, Stratum] = {}
    for cost in costs:
        out.setdefault(cost.stratum, Stratum()).add(cost)
    return dict(sorted(out.items(), key=_order))


def _order(item: tuple) -> tuple:
    """Kind, model size, engine, then batch sizes ascending with full batch last."""
    kind, weights, batch, engine = item[0]
    return kind, weights, engine, math.inf if batch == "full" else batch


def job_counts(configfile: str | os.PathLike, workdir: str | os.PathLike = ".") -> dict[str, int]:
    """Jobs per rule of the whole workflow for ``configfile``, all of them as if none
    had run (a dry run with ``--forceall``: its "Job stats" table)."""
    snakemake = Path(sys.executable).parent / "snakemake"
    cmd = [
        str(snakemake),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--configfile",
        str(configfile),
        "--directory",
        str(workdir),
        "--dry-run",
        "--forceall",
        "--nolock",
        "--quiet",
        "rules",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"snakemake --dry-run failed:\n{proc.stderr[-4000:]}")
    return parse_job_stats(proc.stdout)


def parse_job_stats(log: str) -> dict[str, int]:
    """Jobs per rule from the first "Job stats" table of a Snakemake log."""
    table = log.split("Job stats:", 1)[1].split("\n\n", 1)[0]  # up to the blank line after it
    counts = {name: int(n) for name, n in re.findall(r"^(\w+)\s+(\d+)$", table, flags=re.M)}
    counts.pop("total", None)
    return counts


def submissions(counts: dict[str, int], profile: str | os.PathLike = PROFILE, bundled: bool = True) -> int:
    """sbatch submissions of ``counts`` jobs per rule under the profile's bundling (a
    grouped rule's jobs go ``group-components`` to a submission), or one per job."""
    settings = yaml.safe_load(Path(profile).read_text())
    groups = settings.get("groups", {}) if bundled else {}
    components = settings.get("group-components", {})
    total = 0
    for rule, n in counts.items():
        if rule not in LOCAL_RULES:
            total += math.ceil(n / components.get(groups.get(rule), 1))
    return total


def local_wall_s(costs: list[RunCost], jobs: int, cores: int) -> float:
    """Wall seconds of the whole workflow with ``--cores cores``: the training runs'
    CPU seconds plus the calibration's seconds per job, spread over the cores (the
    runs are independent and many), but never less than the longest run."""
    work = sum(c.cpu_s for c in costs) + jobs * load_calibration()["overhead_s_per_job"]
    return max(work / cores, max((c.cpu_s for c in costs), default=0.0))

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

from sgd_support.sweep.config_check import REPO, load_config
from sgd_support.sweep.cost import (
    RunCost,
    group_cost,
    load_calibration,
    measured,
    ratios,
    refined,
    run_cost,
    slurm_runtime_min,
)
from sgd_support.sweep.runs import expand_runs, train_groups

PROFILE = REPO / "slurm" / "config.yaml"
SNAKEFILE = REPO / "Snakefile"
TARGET_RULE = "all"  # the default target: no work of its own, not a job


def local_rules(snakefile: str | os.PathLike = SNAKEFILE) -> frozenset[str]:
    """The rules the Snakefile's ``localrules:`` block names: Snakemake runs them itself,
    also under a cluster profile, so they are never submitted (read from the Snakefile,
    the one place they are declared)."""
    lines = Path(snakefile).read_text().splitlines()
    start = lines.index("localrules:") + 1
    names = []
    for line in lines[start:]:
        if not line.startswith((" ", "\t")) or not line.strip():
            break
        names += [name.strip() for name in line.split(",") if name.strip()]
    return frozenset(names)


LOCAL_RULES = local_rules()


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


def hours(seconds: float) -> str:
    """Seconds as hours, three decimals (the plan's table)."""
    return f"{seconds / 3600:.3f}"


def plan_report(configfile: Path, cores: int, results: Path) -> list[str]:
    """The lines of ``sgd-support plan``: the cost of ``configfile``'s sweep per stratum and
    in total, scaled by the finished runs' benchmarks under ``results``."""
    lines = []
    config = load_config(configfile)
    runs = expand_runs(config)
    costs = [run_cost(config, run) for run in runs]
    finished = measured(config, results)
    scale = ratios(finished)
    costs = [refined(c, scale) for c in costs]
    table = strata(costs)
    for m in finished:
        if m.cost.stratum in table:
            table[m.cost.stratum].calibrated_by += 1
    counts = job_counts(configfile)
    jobs = sum(n for rule, n in counts.items() if rule != TARGET_RULE)
    lines.append(
        f"# {configfile}: {len(runs)} training runs, {jobs} jobs; per-step costs of "
        f"{load_calibration()['machine']['cpu']}; {len(finished)} finished runs' benchmarks "
        f"under {results / 'benchmarks'} scale the estimates of their kind of device (CPU or GPU)"
    )
    lines.append(
        f"{'kind':<18} {'weights':>8} {'batch':>5} {'engine':<6} {'runs':>5} {'steps':>13} "
        f"{'CPU-h':>8} {'GPU-h':>7} {'measured':>8}"
    )
    for (kind, weights, batch, engine), row in table.items():
        lines.append(
            f"{kind:<18} {weights:>8} {batch!s:>5} {engine:<6} {row.runs:>5} {row.steps:>13,} "
            f"{hours(row.cpu_s):>8} {hours(row.gpu_s):>7} {row.calibrated_by:>8}"
        )
    cpu_s, gpu_s = sum(r.cpu_s for r in table.values()), sum(r.gpu_s for r in table.values())
    wall = local_wall_s(costs, jobs, cores)
    grouped = config["training"].get("group") == "cell"
    if grouped:  # group jobs train the runs: one process start per group, not per run
        groups = [group_cost(config, members) for members in train_groups(runs).values()]
        wall = local_wall_s(groups, jobs, cores)
    lines.append(
        f"total: {len(runs)} runs, {sum(r.steps for r in table.values()):,} steps, {hours(cpu_s)} CPU-h "
        f"(training, no GPU), {hours(gpu_s)} GPU-h (GPU-kind runs on GPU nodes)"
    )
    if grouped:
        on_gpu = [g for g in groups if g.gpu]
        limits = sorted(slurm_runtime_min(g) for g in groups)
        group_cpu, group_gpu = sum(g.cpu_s for g in groups), sum(g.node_s for g in on_gpu)
        longest = max(g.cpu_s for g in groups)
        lines.append(
            f"groups (training.group: cell): {len(groups)} group jobs ({len(on_gpu)} asking for a GPU), "
            f"{hours(group_cpu)} CPU-h on one core each, {hours(group_gpu)} GPU-h; "
            f"longest {hours(longest)} h; "
            f"SLURM time limits {limits[0]}-{limits[-1]} min (first attempt), one submission per group"
        )
    lines.append(f"wall time on {cores} local cores: {wall / 3600:.2f} h ({wall:.0f} s, all {jobs} jobs)")
    lines.append(
        f"SLURM (slurm/ profile): {submissions(counts)} sbatch submissions "
        f"({submissions(counts, bundled=False)} without bundling)"
    )
    return lines

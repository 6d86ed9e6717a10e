"""Time the pipeline end to end and extrapolate the full paper grid's cost.

1. The default pipeline: ``snakemake --cores N`` on ``config.yaml`` in a fresh
   temporary directory, then ``snakemake --report``; prints both wall times.
2. A 1/``--fraction`` sample of ``config/paper.yaml``'s training runs, stratified by
   (dataset, model, optimizer, batch) so every kind of run is timed (at least one
   per stratum, drawn with a fixed seed), run with ``snakemake --cores N`` on those
   targets. From each job's Snakemake benchmark (CPU seconds of the job's process
   tree, wall seconds) it extrapolates per stratum to the whole grid: CPU-hours,
   and hours on 8 cores (CPU-hours / 8: 2,000+ independent jobs pack well).

Each part also prints the cost model's estimate of what it measured (what
``sgd-support plan`` would say: training CPU seconds and the wall time of the jobs
Snakemake listed) and the measured/estimated ratios.

``--workdir DIR`` runs the sample there and keeps it (a rerun resumes: finished jobs
keep their benchmark files, so the extrapolation still covers every sampled run; the
printed wall time is then that of the resumed invocation only).

Usage: ``python benchmarks/pipeline.py [--cores 2] [--fraction 20] [--skip-default] [--skip-paper]
[--workdir DIR]``
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from sgd_support.reporting.run_paths import RUN_DIR, RUN_PARTS  # noqa: E402
from sgd_support.sweep.config_check import load_config  # noqa: E402
from sgd_support.sweep.cost import run_cost  # noqa: E402
from sgd_support.sweep.plan import TARGET_RULE, local_wall_s, parse_job_stats  # noqa: E402
from sgd_support.sweep.runs import expand_runs  # noqa: E402

SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
BENCH = f"results/benchmarks/runs/{RUN_PARTS}.tsv"


def snakemake(workdir: Path, configfile: Path, cores: int, *args: str) -> tuple[float, str]:
    """Run the workflow in ``workdir``; return its wall seconds and log (exits on failure)."""
    cmd = [
        SNAKEMAKE,
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile),
        "--cores",
        str(cores),
        *args,
    ]
    # the jobs' shell commands call `python`: the one of this environment, even when
    # the benchmark is started as .venv/bin/python without activating it
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"snakemake failed:\n{proc.stderr[-4000:]}")
    return time.perf_counter() - start, proc.stdout + proc.stderr


def cost_model_line(
    config: dict, runs: list[dict], log: str, cores: int, measured_wall: float, measured_cpu: float
) -> str:
    """The cost model's estimate (sgd-support plan's) of what was just measured: the
    training runs' CPU seconds, and the wall time of the jobs the run's log lists."""
    costs = [run_cost(config, run) for run in runs]
    jobs = sum(n for rule, n in parse_job_stats(log).items() if rule != TARGET_RULE)
    wall, cpu = local_wall_s(costs, jobs, cores), sum(c.cpu_s for c in costs)
    return (
        f"cost model: {wall:.0f} s wall ({jobs} jobs), {cpu:.0f} training CPU-s; "
        f"measured/estimated: wall {measured_wall / wall:.2f}, CPU {measured_cpu / cpu:.2f}"
    )


def job_costs(workdir: Path, pattern: str, runs: list[dict]) -> list[tuple[float, float]]:
    """(CPU seconds, wall seconds) of each run's job, from its Snakemake benchmark file."""
    out = []
    for run in runs:
        with open(workdir / pattern.format(**run)) as fh:
            row = next(csv.DictReader(fh, delimiter="\t"))
        out.append((float(row["cpu_time"]), float(row["s"])))
    return out


def default_pipeline(cores: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        config = tmp / "config.yaml"
        shutil.copy(REPO / "config.yaml", config)
        wall, log = snakemake(tmp, config, cores)
        report, _ = snakemake(tmp, config, cores, "--report", str(tmp / "report.html"))
        filled = load_config(config)
        runs = expand_runs(filled)
        cpu = sum(c for c, _ in job_costs(tmp, BENCH, runs))
        print(
            f"default pipeline (config.yaml, {len(runs)} training jobs, --cores {cores}): "
            f"{wall:.0f} s wall, report {report:.0f} s, total {wall + report:.0f} s; "
            f"training jobs {cpu:.0f} CPU-s"
        )
        print(cost_model_line(filled, runs, log, cores, wall, cpu))


def stratum(run: dict) -> tuple:
    return run["dataset"], run["model"], run["optimizer"], run["batch"]


def paper_sample(cores: int, fraction: int, workdir: str | None = None, seed: int = 0) -> None:
    config_path = REPO / "config" / "paper.yaml"
    config = load_config(config_path)
    runs = expand_runs(config)
    strata = defaultdict(list)
    for run in runs:
        strata[stratum(run)].append(run)
    rng = random.Random(seed)
    sample = {key: rng.sample(members, math.ceil(len(members) / fraction)) for key, members in strata.items()}
    chosen = [run for members in sample.values() for run in members]
    with tempfile.TemporaryDirectory() if workdir is None else contextlib.nullcontext(workdir) as tmp:
        tmp = Path(tmp)
        targets = [f"{RUN_DIR}/trajectory.parquet".format(**run) for run in chosen]
        if workdir is not None:
            snakemake(tmp, config_path, cores, "--unlock")
        wall, log = snakemake(tmp, config_path, cores, "--rerun-incomplete", *targets)
        costs = dict(zip(map(lambda r: tuple(r.values()), chosen), job_costs(tmp, BENCH, chosen)))
    sample_cpu = sum(c for c, _ in costs.values())
    print(
        f"\npaper grid sample: {len(chosen)} of {len(runs)} training runs, --cores {cores}: "
        f"{wall:.0f} s wall, "
        f"{sample_cpu:.0f} CPU-s in training jobs"
    )
    # (a resumed --workdir sample: the wall time and jobs are the resumed invocation's only)
    print(cost_model_line(config, chosen, log, cores, wall, sample_cpu))
    print(
        f"{'dataset':<10} {'model':<11} {'optimizer':<7} {'batch':>5} {'runs':>5} {'timed':>5} "
        f"{'CPU s/run':>9} {'wall s/run':>10} {'grid CPU-h':>10}"
    )
    total_cpu = total_wall = 0.0
    for key, members in sorted(strata.items()):
        timed = [costs[tuple(run.values())] for run in sample[key]]
        cpu = sum(c for c, _ in timed) / len(timed)
        wall_run = sum(w for _, w in timed) / len(timed)
        total_cpu += cpu * len(members)
        total_wall += wall_run * len(members)
        print(
            f"{key[0]:<10} {key[1]:<11} {key[2]:<7} {key[3]:>5} {len(members):>5} {len(timed):>5} "
            f"{cpu:>9.1f} {wall_run:>10.1f} {cpu * len(members) / 3600:>10.2f}"
        )
    print(
        f"full paper grid, extrapolated: {total_cpu / 3600:.1f} CPU-hours "
        f"({total_wall / 3600:.1f} job-wall-hours "
        f"on this shared machine); on 8 cores: {total_cpu / 3600 / 8:.1f} h"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--fraction", type=int, default=20, help="time 1/FRACTION of the paper grid")
    parser.add_argument("--skip-default", action="store_true")
    parser.add_argument("--skip-paper", action="store_true")
    parser.add_argument("--workdir", help="run the paper sample here and keep it (resumable)")
    args = parser.parse_args()
    if not args.skip_default:
        default_pipeline(args.cores)
    if not args.skip_paper:
        paper_sample(args.cores, args.fraction, args.workdir)


if __name__ == "__main__":
    main()

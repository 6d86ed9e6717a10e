"""Fixed cost of one training job: process start, imports, data and init loading,
engine set-up (numba: loading the cached kernels), one step, writing the Parquet pair.

Runs ``python -m sgd_support.cli.train`` for a 1-step SGD-32 run on the default
linear data set (10,000 rows). Prints medians over ``--repeats`` jobs per engine of:
process start to the end of the first step (the driver's progress log line for
step 1, whose timestamp has millisecond resolution), and the whole job's wall and
CPU time; and, from ``python -X importtime``, which heavy packages the job imported.

Usage: ``python benchmarks/job_start.py [--repeats 5]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from sgd_support.core.data.registry import build_dataset
from sgd_support.core.data.store import save_dataset
from sgd_support.core.models import init_weights, layer_shapes, save_weights

HEAVY = ("torch", "torchvision", "pandas", "scipy", "numba", "pyarrow", "sklearn")
DATA = {"kind": "synthetic", "target": "linear", "n": 5000, "d": 15, "r": 5, "noise": 0.001, "seed": 0}


def run_job(cmd: list[str], env: dict) -> tuple[float, float, float, str]:
    """Seconds to the first step, wall and CPU (user + sys) seconds, and stderr of one job."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    spawned, start = time.time(), time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stamp = re.search(r"^(\S+ \S+) sgd_support.train step 1/1 ", proc.stderr, re.M)
    first = np.nan
    if stamp:
        first = datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp() - spawned
    return first, wall, cpu, proc.stderr


def imported(importtime_log: str) -> set[str]:
    """Top-level packages named in a ``-X importtime`` log."""
    names = set()
    for line in importtime_log.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        save_dataset(build_dataset(DATA), tmp / "data.npz")
        save_weights(init_weights(layer_shapes(15, [15, 15, 15], 1), 0), tmp / "init.npz")
        subprocess.run(
            [sys.executable, "-m", "sgd_support.cli.compile_engine", "--out", str(tmp / "k.json")],
            env=env,
            check=True,
            capture_output=True,
        )
        print(f"# numba kernels: {json.loads((tmp / 'k.json').read_text())}")
        print(f"{'engine':<7} {'to step 1, s':>13} {'job wall, s':>12} {'job cpu, s':>11}  heavy imports")
        for engine in ("numba", "torch"):
            spec = {"lr": 0.1, "batch": 32, "steps": 1, "engine": engine}
            cmd = [
                sys.executable,
                "-m",
                "sgd_support.cli.train",
                "--data",
                str(tmp / "data.npz"),
                "--init",
                str(tmp / "init.npz"),
                "--run",
                json.dumps({"spec": spec}),
                "--trajectory",
                str(tmp / "t.parquet"),
                "--weights",
                str(tmp / "w.parquet"),
            ]
            runs = [run_job(cmd, env) for _ in range(args.repeats)]
            first, wall, cpu = np.median(np.array([r[:3] for r in runs]), axis=0)
            heavy = sorted(
                imported(run_job([sys.executable, "-X", "importtime", *cmd[1:]], env)[3]) & set(HEAVY)
            )
            print(f"{engine:<7} {first:>13.2f} {wall:>12.2f} {cpu:>11.2f}  {', '.join(heavy)}")


if __name__ == "__main__":
    main()

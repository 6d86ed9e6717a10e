"""Regenerate the cost model's calibration table (src/sgd_support/sweep/cost_calibration.yaml).

Runs ``engine_speed.py``, ``linear_engine.py`` and ``job_start.py`` (with
``--ensemble`` also ``ensemble_speed.py``; with ``--cuda``, ``cuda_step.py`` on a GPU
machine) and turns their printed outputs into the table: per device and engine,
points [work, microseconds per step] with work = rows per step x model weights (the
linear engine's: ``sweep.cost.step_work``); the ensemble's [K, us per member-step] per
rows per step; each job's fixed CPU seconds. Parts not measured in this call (the CUDA
part without ``--cuda``) are kept from the existing table. ``--from FILE`` reads a
saved output instead of running a script (its kind is told by its header line).

Usage: ``python benchmarks/calibrate.py [--cuda] [--machine TEXT] [--from FILE ...]``
"""

from __future__ import annotations

import argparse
import ast
import platform
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from sgd_support.core.models import layer_shapes  # noqa: E402
from sgd_support.sweep.cost import CALIBRATION, step_work  # noqa: E402

HEADER = """\
# Calibration of the cost model (sgd_support.sweep.cost), written by benchmarks/calibrate.py
# from the outputs of engine_speed.py, job_start.py and cuda_step.py
# (docs/performance.md). step_us: per device and engine, points [work, microseconds per
# step], work = rows per step (batch, or all rows for full batch) x model weights.
# job_start_s: CPU seconds of a job besides its steps (cuda: not measured, torch's
# plus a CUDA context). base_mb: peak memory before the data set (numba: 560-740 MB
# max_rss in the default config's benchmarks; torch and cuda: estimates).
# overhead_s_per_job: one core's seconds per job of any rule besides training steps
# (Snakemake, data/init/figure jobs, waiting), fitted to benchmarks/pipeline.py's
# default pipeline (1.8 s/job) and paper sample (4.3 s/job) in docs/performance.md.
# group_run_s: CPU seconds per run inside a group job besides its steps (driver set-up,
# records, Parquet files): 24 SGD-1 runs of 20k steps took 12.5 CPU-s in one group job
# (docs/performance.md "Many runs in one job"), less one job start (1.75) and the steps (24 x 20k x 4.9 us).
# step_us.cpu.linear: work = outputs x (inputs^2 + weights) at full batch, outputs x
# (2 batch x inputs + weights) on mini-batches (sweep.cost.step_work), from
# benchmarks/linear_engine.py. step_us.cpu.ensemble: per rows per step, [K, us per
# member-step] of the torch ensemble (benchmarks/ensemble_speed.py; docs/performance.md).
"""
DEFAULTS = {
    "job_start_s": {"cuda": 8.0},
    "base_mb": {"numba": 750, "torch": 1000, "cuda": 3000, "linear": 750},
    "overhead_s_per_job": 3.0,
    "group_run_s": 0.35,
}


def parse_engine_speed(text: str) -> dict[str, list]:
    """engine -> [[work, us/step], ...] of our engines (the authors' loop left out)."""
    rows = int(re.search(r"data (\d+) x", text)[1])
    weights = sum(a * b for a, b in ast.literal_eval(re.search(r"model (\[.*?\]);", text)[1]))
    out: dict[str, list] = {}
    for engine, batch, us in re.findall(r"^(torch|numba)\s+(\d+|full)\s+([\d.]+)", text, flags=re.M):
        out.setdefault(engine, []).append([(rows if batch == "full" else int(batch)) * weights, float(us)])
    return out


def parse_linear_engine(text: str) -> list:
    """The linear engine's [[work, us/step], ...] (work: sweep.cost.step_work)."""
    rows, inputs = (int(v) for v in re.search(r"data (\d+) x (\d+)", text).groups())
    shapes = ast.literal_eval(re.search(r"model (\[.*?\]);", text)[1])
    weights, outputs = sum(a * b for a, b in shapes), shapes[-1][0]
    return sorted(
        [step_work("linear", None if b == "full" else int(b), rows, inputs, outputs, weights), float(us)]
        for b, us in re.findall(r"^linear\s+(\d+|full)\s+([\d.]+)", text, flags=re.M)
    )


def parse_ensemble_speed(text: str) -> dict[int, list]:
    """The CPU ensemble's rows per step -> [[K, us per member-step], ...]."""
    rows = int(re.search(r"data (\d+) x", text)[1])
    out: dict[int, list] = {}
    for batch, k, us in re.findall(r"^cpu\s+(\d+|full)\s+(\d+)\s+\d+\s+([\d.]+)", text, flags=re.M):
        out.setdefault(rows if batch == "full" else int(batch), []).append([int(k), float(us)])
    return out


def parse_job_start(text: str) -> dict[str, float]:
    """engine -> the job's CPU seconds (process start to end, one step)."""
    return {
        e: float(cpu)
        for e, cpu in re.findall(r"^(numba|torch)\s+[\d.]+\s+[\d.]+\s+([\d.]+)", text, flags=re.M)
    }


def parse_cuda_step(text: str) -> dict[str, list]:
    """ "cuda" (graph replays) and "cpu" (torch eager on one thread) -> [[work, us], ...]."""
    out: dict[str, list] = {"cuda": [], "cpu": []}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        rows, inputs = (int(v.replace(",", "")) for v in re.search(r"([\d,]+) x ([\d,]+)", section).groups())
        widths = [int(w) for w in re.search(r"MLP ([\d-]+)", section)[1].split("-")]
        weights = sum(a * b for a, b in layer_shapes(inputs, widths[1:-1], widths[-1]))
        for device, mode, name, us in re.findall(
            r"^(cuda|cpu)\s+(graphs|eager)\s+(\S+)\s+([\d.]+)", section, flags=re.M
        ):
            if (device, mode) in (("cuda", "graphs"), ("cpu", "eager")):
                batch = rows if name == "GD" else int(name.split("-")[1])
                out[device].append([batch * weights, float(us)])
    return out


def kind_of(text: str) -> str:
    if "us/step" in text and "## " in text:
        return "cuda_step"
    if "linear engine vs numba" in text:
        return "linear_engine"
    if "member-steps/s" in text:
        return "ensemble_speed"
    return "job_start" if "to step 1" in text else "engine_speed"


def calibrate(outputs: dict[str, str], table: dict, machine: str) -> dict:
    """The table with the parts measured in ``outputs`` (script name -> printed text) replaced."""
    table = {**DEFAULTS, **table}
    table["machine"] = dict(table.get("machine", {}))
    steps = table.setdefault("step_us", {})
    cpu = steps.setdefault("cpu", {})
    if "engine_speed" in outputs:
        cpu.update(parse_engine_speed(outputs["engine_speed"]))
        table["machine"]["cpu"] = machine
    if "linear_engine" in outputs:
        cpu["linear"] = parse_linear_engine(outputs["linear_engine"])
    if "ensemble_speed" in outputs:
        cpu["ensemble"] = parse_ensemble_speed(outputs["ensemble_speed"])
    if "job_start" in outputs:
        started = parse_job_start(outputs["job_start"])
        # the linear engine's jobs import what the numba engine's do (numba, no torch)
        table["job_start_s"] = {**table["job_start_s"], **started, "linear": started["numba"]}
    if "cuda_step" in outputs:
        measured = parse_cuda_step(outputs["cuda_step"])
        steps["cuda"] = {"torch": sorted(measured["cuda"])}
        gpu = re.search(r"^# (.*)$", outputs["cuda_step"], flags=re.M)[1]
        table["machine"]["cuda"] = (
            f"{gpu} (graph replays); its host CPU for torch CPU points beyond engine_speed's"
        )
        # the GPU machine's host CPU: torch at MNIST's size, beyond engine_speed's model
        cpu = steps.setdefault("cpu", {}).setdefault("torch", [])
        largest = max((w for w, _ in cpu), default=0)
        cpu.extend(p for p in measured["cpu"] if p[0] > largest)
        cpu.sort()
    table["machine"]["measured"] = str(date.today())
    return table


def write(table: dict, path: Path = CALIBRATION) -> None:
    path.write_text(HEADER + yaml.safe_dump(table, sort_keys=False, default_flow_style=None, width=110))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuda", action="store_true", help="also run cuda_step.py (needs a GPU)")
    parser.add_argument("--ensemble", action="store_true", help="also run ensemble_speed.py (minutes)")
    parser.add_argument(
        "--machine",
        default=f"{platform.machine()} {platform.processor()}".strip(),
        help="what to record as the CPU machine",
    )
    parser.add_argument("--from", dest="saved", nargs="*", default=[], help="saved benchmark outputs to read")
    args = parser.parse_args()
    outputs = {kind_of(text): text for text in (Path(f).read_text() for f in args.saved)}
    if not args.saved:
        scripts = ["engine_speed", "job_start", "linear_engine --no-grid"]
        scripts += (["ensemble_speed"] if args.ensemble else []) + (["cuda_step"] if args.cuda else [])
        for script in scripts:
            name, *flags = script.split()
            proc = subprocess.run(
                [sys.executable, str(HERE / f"{name}.py"), *flags], capture_output=True, text=True, check=True
            )
            outputs[name] = proc.stdout
    write(calibrate(outputs, yaml.safe_load(CALIBRATION.read_text()), args.machine))
    print(f"wrote {CALIBRATION} from {', '.join(outputs)}")


if __name__ == "__main__":
    main()

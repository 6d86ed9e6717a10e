"""The cost of a sweep before it runs: seconds and memory of each training run.

A run's cost is a fixed job cost plus its steps times a per-step cost. The
per-step cost depends on the engine the run will use (``engines.pick_engine``,
as the training job decides), the device and the work of a step: rows per step
(the batch, or all training rows for full batch) times the model's weights. It
is interpolated in the calibration table ``cost_calibration.yaml`` (measured by
``benchmarks/calibrate.py``; the machine is recorded there). Snakemake benchmark
files of finished runs (``results/benchmarks/runs/...``) refine it, each only the
estimates of its kind of device (its trajectory's metadata says where the run
trained): a run measured on a CPU scales the CPU seconds (``cpu_s``), one measured on
a GPU the GPU-node seconds of GPU runs (``node_s``). Per device kind and stratum (data
set kind, model weights, batch, engine), estimates are scaled by the median ratio of
measured to estimated seconds (all strata's median where a stratum has no finished
run on that kind yet), so the estimate improves as a sweep runs.

A training run goes to a GPU node on a cluster only where its engine uses a GPU
(:func:`sgd_support.sweep.placement.run_uses_gpu`: torch on an image or features kind);
numba runs keep to the CPU.

A group job (``training.group: cell``, :func:`group_cost`) costs one process start plus
its runs' steps: one after another at each run's own engine rate where it trains them
in sequence on a CPU, or, where it trains them in lockstep (the ensemble), each step of
K members at the ensemble's rate for K members (on the CPU: ``step_us.cpu.ensemble``,
measured per rows per step and K; on a GPU: ``step_us.cuda.ensemble`` once measured,
until then the single-run CUDA rate at K times the work, as one graph replay of K small
members costs about one member's until they fill the device).
"""

from __future__ import annotations

import bisect
import csv
import math
import os
import re
import statistics
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from sgd_support.core.data.registry import io_sizes
from sgd_support.core.engines import pick_engine, torch_only_keys
from sgd_support.core.errors import UserError
from sgd_support.core.models import model_shapes
from sgd_support.core.storage import read_metadata
from sgd_support.reporting.run_paths import FULL, RUN_PARTS
from sgd_support.sweep.placement import engine_uses_gpu, group_engine, group_uses_gpu, model_weights
from sgd_support.sweep.runs import run_spec
from sgd_support.sweep.validation import KINDS

CALIBRATION = Path(__file__).with_name("cost_calibration.yaml")
# Training rows where validation cannot know them before the data set is built:
# features of CIFAR's 50,000 training images.
UNKNOWN_ROWS = 50_000
# Bytes of data per input value held by a job: float32 x in the loaded data set and
# in the engine, plus a float64 copy for evaluation (an estimate, not measured).
BYTES_PER_VALUE = 16


@dataclass(frozen=True)
class RunCost:
    """What one training run costs. ``cpu_s``: seconds on one CPU core (a local run
    without a GPU); ``node_s``: seconds on the node a cluster sends it to (a GPU node
    for GPU kinds: CUDA seconds for torch runs); ``gpu``: whether that node has a GPU."""

    stratum: tuple
    steps: int
    engine: str
    gpu: bool
    cpu_s: float
    node_s: float
    mem_mb: float

    def scaled(self, cpu_ratio: float, gpu_ratio: float) -> RunCost:
        """The CPU seconds times ``cpu_ratio``; the node seconds times ``gpu_ratio`` on a
        GPU node, else as the CPU seconds (the node is a CPU)."""
        cpu_s = self.cpu_s * cpu_ratio
        node_s = self.node_s * gpu_ratio if self.gpu else cpu_s
        return RunCost(self.stratum, self.steps, self.engine, self.gpu, cpu_s, node_s, self.mem_mb)


@cache
def load_calibration(path: str | os.PathLike = CALIBRATION) -> dict:
    return yaml.safe_load(Path(path).read_text())


def step_us(points: list[list[float]], work: float) -> float:
    """Microseconds per step at ``work``: log-log interpolation in the calibration
    ``points`` ([work, us] sorted by work), flat below them, the last slope beyond."""
    works = [p[0] for p in points]
    if work <= works[0]:
        return points[0][1]
    i = min(bisect.bisect_left(works, work), len(points) - 1)
    (w0, u0), (w1, u1) = points[i - 1], points[i]
    slope = math.log(u1 / u0) / math.log(w1 / w0)
    return u0 * (work / w0) ** slope


def step_work(engine: str, batch: int | None, rows: int, inputs: int, outputs: int, weights: int) -> int:
    """The calibration's work of one step: rows per step x weights, except on the linear
    engine (core/engines/linear.py), whose step costs outputs x (inputs^2 + weights) at full
    batch and outputs x (2 batch x inputs + weights) on a mini-batch, whatever the rows."""
    if engine == "linear":
        return outputs * ((inputs * inputs if batch is None else 2 * batch * inputs) + weights)
    return (batch or rows) * weights


def data_shape(entry: dict, datasets: dict[str, dict]) -> tuple[int, int, int]:
    """(training rows, inputs, outputs) of a data set config entry; ``datasets`` (all
    entries) resolves a features set's source."""
    kind = KINDS.get(entry["kind"])
    rows = (kind.size(entry) if kind and kind.size else None) or UNKNOWN_ROWS
    return (rows, *io_sizes(entry, datasets))


def run_cost(config: dict, run: dict[str, str], calibration: dict | None = None) -> RunCost:
    """The estimated cost of the run with coordinates ``run`` (strings, as expand_runs gives)."""
    cal = calibration or load_calibration()
    entry = config["datasets"][run["dataset"]]
    spec = run_spec(config, run)
    rows, inputs, outputs = data_shape(entry, config["datasets"])
    weights = model_weights(config, run["dataset"], run["model"])
    engine = pick_engine(
        spec.engine,
        weights,
        activation=spec.activation,
        loss=spec.loss,
        batch=spec.batch,
        torch_only=torch_only_keys(vars(spec)),
    )
    work = step_work(engine, spec.batch, rows, inputs, outputs, weights)
    cpu_s = cal["job_start_s"][engine] + spec.steps * step_us(cal["step_us"]["cpu"][engine], work) / 1e6
    # the job's request, as placement.run_uses_gpu decides it: only where its engine uses a GPU
    gpu = engine_uses_gpu(entry["kind"], engine)
    node_s = (
        cal["job_start_s"]["cuda"] + spec.steps * step_us(cal["step_us"]["cuda"]["torch"], work) / 1e6
        if gpu
        else cpu_s
    )
    mem_mb = cal["base_mb"]["cuda" if gpu else engine] + rows * inputs * BYTES_PER_VALUE / 2**20
    stratum = (entry["kind"], weights, run["batch"] if run["batch"] == FULL else int(run["batch"]), engine)
    return RunCost(stratum, spec.steps, engine, gpu, cpu_s, node_s, mem_mb)


def ensemble_step_us(points: dict, rows: int, k: int) -> float:
    """Microseconds per ensemble step of ``k`` members taking ``rows`` rows each, from
    ``points`` (rows per step -> [[K, us per member-step], ...]): the nearest measured
    rows per step (in log scale), interpolated in K, times K."""
    measured = sorted(points, key=lambda r: abs(math.log(int(r) / rows)))[0]
    return k * step_us(points[measured], k)


def group_cost(config: dict, runs: list[dict[str, str]], calibration: dict | None = None) -> RunCost:
    """The estimated cost of one group job (``training.group: cell``) training ``runs``
    (one data set, model and batch size), as one RunCost (its stratum names the group)."""
    cal = calibration or load_calibration()
    costs = [run_cost(config, run, cal) for run in runs]
    first, entry = runs[0], config["datasets"][runs[0]["dataset"]]
    weights = model_weights(config, first["dataset"], first["model"])
    gpu = group_uses_gpu(config, runs)
    batch = first["batch"] if first["batch"] == FULL else int(first["batch"])
    rows, inputs, _ = data_shape(entry, config["datasets"])
    data_mb = rows * inputs * BYTES_PER_VALUE / 2**20
    if group_engine(config, runs) == "sequential":  # one run after another, each at its engine's rate
        engines = {c.engine for c in costs}
        start = max(cal["job_start_s"][e] for e in engines)
        cpu_s = start + sum(c.cpu_s - cal["job_start_s"][c.engine] + cal["group_run_s"] for c in costs)
        stratum = ("group", entry["kind"], weights, batch, "+".join(sorted(engines)))
        return RunCost(
            stratum,
            sum(c.steps for c in costs),
            costs[0].engine,
            gpu,
            cpu_s,
            cpu_s,
            max(c.mem_mb for c in costs),
        )
    # the ensemble: every step moves all K members, for as many steps as the longest run
    k, steps = len(runs), max(c.steps for c in costs)
    per_step = rows if batch == FULL else batch
    cpu_s = (
        cal["job_start_s"]["torch"]
        + steps * ensemble_step_us(cal["step_us"]["cpu"]["ensemble"], per_step, k) / 1e6
    )
    cuda = cal["step_us"]["cuda"]
    node_s = (
        cal["job_start_s"]["cuda"]
        + steps
        * (
            ensemble_step_us(cuda["ensemble"], per_step, k)
            if "ensemble" in cuda
            else step_us(cuda["torch"], k * per_step * weights)
        )
        / 1e6
        if gpu
        else cpu_s
    )
    # activations and their gradients of K members (float32, every layer), beside the data
    shapes = model_shapes(inputs, config["models"][first["model"]], io_sizes(entry, config["datasets"])[1])
    units = sum(o for o, _ in shapes)
    mem_mb = (
        cal["base_mb"]["cuda" if gpu else "torch"] + data_mb + k * per_step * (inputs + units) * 4 * 3 / 2**20
    )
    stratum = ("group", entry["kind"], weights, batch, "ensemble")
    return RunCost(stratum, steps * k, "ensemble", gpu, cpu_s, node_s, mem_mb)


# --- refining from finished runs ---------------------------------------------------

BENCH_KEYS = re.compile(r"(dataset|model|optimizer|lr|batch|init|order)=([^/]+?)(?:\.tsv)?(?=/|$)")


@dataclass(frozen=True)
class Measurement:
    """A finished run's benchmark: its estimate, the kind of device it trained on
    ("cpu" or "gpu") and its seconds there (CPU seconds on a CPU, wall seconds on a GPU)."""

    cost: RunCost
    device: str
    seconds: float

    @property
    def ratio(self) -> float:
        """Measured over estimated seconds, on the device it ran on."""
        return self.seconds / (self.cost.node_s if self.device == "gpu" else self.cost.cpu_s)


def measured(config: dict, results: str | os.PathLike) -> list[Measurement]:
    """Every finished run of ``config`` with a Snakemake benchmark file under
    ``results/benchmarks`` and a readable trajectory (whose metadata says the device).
    A run on a GPU that its estimate puts on a CPU node is left out: no estimate of
    those seconds exists."""
    out = []
    for path in sorted(Path(results, "benchmarks").glob("runs/**/*.tsv")):
        run = dict(BENCH_KEYS.findall(path.as_posix()))
        named = (("dataset", "datasets"), ("model", "models"), ("optimizer", "optimizers"))
        if len(run) != 7 or any(run[key] not in config[section] for key, section in named):
            continue  # another config's run
        with open(path) as fh:
            row = next(csv.DictReader(fh, delimiter="\t"), None)
        if row is None:
            continue
        trajectory = Path(results, "runs", RUN_PARTS.format(**run), "trajectory.parquet")
        try:
            device = str(read_metadata(trajectory).get("device", "cpu"))
        except (UserError, FileNotFoundError):
            continue  # removed since (or damaged): where it trained is not known
        cost = run_cost(config, run)
        if device.startswith("cuda"):
            if cost.gpu:
                out.append(Measurement(cost, "gpu", float(row["s"])))
        else:
            out.append(Measurement(cost, "cpu", float(row["cpu_time"])))
    return out


def ratios(found: list[Measurement]) -> dict:
    """Median measured/estimated ratio per (device kind, stratum), and per (device kind,
    None) over all strata of that kind."""
    by_key: dict = {}
    for m in found:
        by_key.setdefault((m.device, m.cost.stratum), []).append(m.ratio)
        by_key.setdefault((m.device, None), []).append(m.ratio)
    return {key: statistics.median(values) for key, values in by_key.items()}


def refined(cost: RunCost, device_ratios: dict) -> RunCost:
    """``cost`` scaled, on each kind of device, by its stratum's measured ratio there (or
    all strata's, or none)."""

    def ratio(device: str) -> float:
        return device_ratios.get((device, cost.stratum), device_ratios.get((device, None), 1.0))

    return cost.scaled(ratio("cpu"), ratio("gpu"))


# --- SLURM requests ----------------------------------------------------------------

# Time limit = SAFETY x the estimate: on the shared development machine a job's wall
# time ran up to 7x its CPU time under load (150 s against 21 s), typically < 2x;
# a run killed at its limit is retried with `attempt` times the limit.
SAFETY = 3.0
# Shortest limit, minutes (SGD_SLURM_MIN_RUNTIME overrides it): below ~10 min a
# scheduler's start-up and the file system's latency dominate; a small floor also
# keeps backfill easy.
MIN_RUNTIME_MIN = 10
MEM_SAFETY, MIN_MEM_MB = 1.5, 1000


def slurm_runtime_min(cost: RunCost, attempt: int = 1) -> int:
    """sbatch -t, minutes, of a training job: SAFETY x its estimated node seconds,
    at least MIN_RUNTIME_MIN (or $SGD_SLURM_MIN_RUNTIME), times the attempt."""
    floor = int(os.environ.get("SGD_SLURM_MIN_RUNTIME") or MIN_RUNTIME_MIN)
    return max(floor, math.ceil(SAFETY * cost.node_s / 60)) * attempt


def slurm_mem_mb(cost: RunCost, attempt: int = 1) -> int:
    """sbatch --mem, MB, of a training job: MEM_SAFETY x its estimate, at least MIN_MEM_MB."""
    return max(MIN_MEM_MB, math.ceil(MEM_SAFETY * cost.mem_mb)) * attempt

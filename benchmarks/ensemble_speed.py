"""Speed of the ensemble engine, and the paper grid's training time per-run vs grouped.

1. Trajectories x steps per second (member-steps/s) of the ensemble engine for K in
   {1, 10, 100, 1000} per batch size (1, 32, 128, 512, full) on the paper's data
   (10,000 x 15) and linear MLP 15-15-15-15-1, on the CPU (one thread; CPU seconds,
   so a shared machine's load inflates it less) and on CUDA when present (wall
   seconds, synchronised); the numba engine's single run on the CPU as the baseline.
   Cells whose activations would exceed ``--max-elements`` floats are skipped.
2. The paper grid (``config/paper.yaml``): per group (dataset, model, batch) of
   ``training.group: cell``, its K runs x steps at the measured rates of the same
   process: per-run jobs at numba's rate plus ``--job-start`` CPU seconds each
   (benchmarks/job_start.py), groups at the ensemble's rate at that K (on this
   machine's CPU, and on CUDA when present), CPU groups of numba runs at numba's rate.
   Hours on ``--cores`` cores: total / cores, or the longest group if longer.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/ensemble_speed.py [--budget 0.5] [--cores 2]``
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import torch
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from sgd_support.core.batches import BatchStream, take_all  # noqa: E402
from sgd_support.core.data.store import Dataset  # noqa: E402
from sgd_support.core.data.synthetic import make_synthetic, support_mask  # noqa: E402
from sgd_support.core.engines.ensemble import EnsembleEngine  # noqa: E402
from sgd_support.core.engines.numba_engine import NumbaEngine  # noqa: E402
from sgd_support.core.models import init_weights, layer_shapes  # noqa: E402
from sgd_support.sweep.runs import expand_runs, run_spec, train_groups  # noqa: E402

KS = (1, 10, 100, 1000)
BATCHES = (1, 32, 128, 512, None)
SHAPES = layer_shapes(15, [15, 15, 15], 1)


def clock(device: str):
    if device == "cuda":
        torch.cuda.synchronize()
        return time.perf_counter()
    return time.process_time()


def rate(step, device: str, budget: float) -> float:
    """Calls of ``step(n)`` (n steps each) until ``budget`` seconds; returns s per step."""
    step(2)  # warm-up: allocations, CUDA graph capture, numba's cache
    n, spent, steps = 2, 0.0, 0
    while spent < budget:
        start = clock(device)
        step(n)
        spent += clock(device) - start
        steps += n
        n = min(n * 2, 2000)
    return spent / steps


def ensemble_rate(data, k: int, batch, device: str, budget: float, activation="identity") -> float:
    """Seconds per member-step of a K-member ensemble."""
    inits = [init_weights(SHAPES, s % 4) for s in range(k)]
    engine = EnsembleEngine(
        data,
        inits,
        activation=activation,
        loss="mse",
        lr=[0.1] * k,
        weight_decay=[0.0] * k,
        clip=[1.0] * k,
        device=device,
    )
    if batch is None:
        return rate(engine.step_full, device, budget) / k
    streams = [BatchStream(data.n, batch, s) for s in range(k)]
    return rate(lambda n: engine.step_batches(*take_all(streams, n)), device, budget) / k


def numba_rate(data, batch, budget: float, activation="identity") -> float:
    engine = NumbaEngine(
        data, init_weights(SHAPES, 0), activation=activation, loss="mse", lr=0.1, weight_decay=0.0, clip=1.0
    )
    if batch is None:
        return rate(engine.step_full, "cpu", budget)
    stream = BatchStream(data.n, batch, 0)
    return rate(lambda n: engine.step_batches(*stream.take(n)), "cpu", budget)


def speeds(data, devices, budget: float, max_elements: int) -> dict:
    """{(device, K, batch): s per member-step}, printed as member-steps/s."""
    out = {}
    print(f"{'device':6} {'batch':>5} {'K':>5} {'member-steps/s':>15} {'us/member-step':>15} {'x numba':>8}")
    for batch in BATCHES:
        base = numba_rate(data, batch, budget)
        out[("numba", 1, batch)] = base
        print(f"{'numba':6} {batch or 'full':>5} {1:>5} {1 / base:15.0f} {base * 1e6:15.1f} {1.0:8.2f}")
        for device in devices:
            for k in KS:
                if k * (batch or data.n) * 15 > max_elements:
                    print(
                        f"{device:6} {batch or 'full':>5} {k:>5}  skipped: > {max_elements:.0e} activations"
                    )
                    continue
                sec = ensemble_rate(data, k, batch, device, budget)
                out[(device, k, batch)] = sec
                row = f"{device:6} {batch or 'full':>5} {k:>5} {1 / sec:15.0f} {sec * 1e6:15.1f}"
                print(f"{row} {base / sec:8.2f}", flush=True)
    return out


def paper_grid(data, devices, budget: float, cores: int, job_start: float) -> None:
    """The paper grid's training hours: per-run jobs vs groups, from rates measured here
    at each group's own K (linear MLPs' rates for ReLU too: same matrix products)."""
    config = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
    groups = train_groups(expand_runs(config))
    costs: dict[str, list[float]] = defaultdict(list)  # way -> seconds per group
    measured: dict = {}
    for runs in groups.values():
        specs = [run_spec(config, run) for run in runs]
        batch, k = specs[0].batch, len(specs)
        member_steps = sum(s.steps for s in specs)
        if ("numba", batch) not in measured:
            measured[("numba", batch)] = numba_rate(data, batch, budget)
        costs["per-run jobs (numba)"].append(member_steps * measured[("numba", batch)] + k * job_start)
        costs["cpu groups of numba runs"].append(member_steps * measured[("numba", batch)] + job_start)
        for device in devices:
            if (device, k, batch) not in measured:
                measured[(device, k, batch)] = ensemble_rate(data, k, batch, device, budget)
            costs[f"{device} ensemble groups"].append(
                member_steps * measured[(device, k, batch)] + 2 * job_start
            )
    n_runs = sum(len(r) for r in groups.values())
    print(
        f"\npaper grid: {n_runs} runs in {len(groups)} groups (dataset, model, batch); "
        f"job start {job_start} CPU-s per process"
    )
    print(f"{'way':28} {'CPU/GPU-h':>9} {'longest job, h':>15} {f'h on {cores} cores':>12}")
    for way, seconds in costs.items():
        total, longest = sum(seconds) / 3600, max(seconds) / 3600
        on = longest if way.startswith("cuda") else max(total / cores, longest)
        print(f"{way:28} {total:9.2f} {longest:15.2f} {on:12.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=float, default=0.5, help="seconds timed per cell")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument(
        "--job-start",
        type=float,
        default=1.75,
        help="CPU seconds a training job costs before its first step (benchmarks/job_start.py)",
    )
    parser.add_argument("--max-elements", type=float, default=2e8, help="skip cells with more activations")
    parser.add_argument("--skip-speeds", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    x, y = make_synthetic(5000, 15, 5, 0.001, "linear", seed=0)
    data = Dataset(x=x, y=y, support=support_mask(15, 5))
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU"
    print(
        f"# torch {torch.__version__}, 1 CPU thread, {gpu}; data 10000 x 15; MLP 15-15-15-15-1; "
        f"{args.budget} s per cell"
    )
    if not args.skip_speeds:
        speeds(data, devices, args.budget, int(args.max_elements))
    paper_grid(data, devices, args.budget, args.cores, args.job_start)


if __name__ == "__main__":
    main()

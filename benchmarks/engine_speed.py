"""Per-step cost of the authors' loop and of our engines, side by side.

One process, one data set (the default linear target: n=5000 -> 10,000 rows,
d=15, r=5), one init (seed 0), the 15 -> 15 -> 15 -> 15 -> 1 linear network,
lr 0.1, clip 1.0. For each batch size b in {1, 32, 512, full} it times

- the authors' loop: ``DataLoader(shuffle=True)``, ``nn.Linear`` layers,
  ``optim.SGD``, ``nn.MSELoss``, ``clip_grad_norm_``, and the irrelevant norm
  through numpy every step, as in their notebooks;
- our torch engine (the reference semantics) and our numba engine, fed the same
  batch order as in a real run (``BatchStream``), in the training driver's chunks
  of at most ``MAX_CHUNK`` steps per call.

It prints microseconds per step (median over repeats of process CPU time, which
the other jobs on a shared machine disturb far less than wall time; the median
wall time is printed beside it; the engines take turns repeat by repeat), the speed-up over the authors'
loop, and the
ratio to the FLOP floor (the step's multiply-adds at one core's fp32 FMA peak:
2 FMA units x 8 lanes x 2 FLOP per cycle for AVX2, at the clock in /proc/cpuinfo).

Usage: ``OMP_NUM_THREADS=1 python benchmarks/engine_speed.py [--repeats 5] [--seconds 0.5]``
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread per job, as the workflow runs them

import numpy as np  # noqa: E402

from sgd_support.core.batches import BatchStream  # noqa: E402
from sgd_support.core.data.store import Dataset  # noqa: E402
from sgd_support.core.data.synthetic import make_synthetic, support_mask  # noqa: E402
from sgd_support.core.engines.numba_engine import NumbaEngine  # noqa: E402
from sgd_support.core.engines.torch_engine import TorchEngine  # noqa: E402
from sgd_support.core.models import init_weights, layer_shapes  # noqa: E402
from sgd_support.core.training import MAX_CHUNK  # noqa: E402

LR, CLIP, R = 0.1, 1.0, 5
BATCHES = (1, 32, 512, "full")


def authors_loop(data: Dataset, init: list[np.ndarray], batch: int):
    """A step function running the authors' training loop one step at a time."""
    import torch

    xt, yt = torch.as_tensor(data.x), torch.as_tensor(data.y)
    model = torch.nn.Sequential(*[torch.nn.Linear(w.shape[1], w.shape[0], bias=False) for w in init])
    with torch.no_grad():
        for layer, w in zip(model, init):
            layer.weight.copy_(torch.as_tensor(w))
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(xt, yt), batch_size=batch, shuffle=True
    )
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    criterion = torch.nn.MSELoss()
    batches = iter(loader)
    norms = []

    def run(k: int) -> None:
        nonlocal batches
        for _ in range(k):
            try:
                xb, yb = next(batches)
            except StopIteration:
                batches = iter(loader)
                xb, yb = next(batches)
            opt.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
            opt.step()
            norms.append((np.linalg.norm(model[0].weight.detach().numpy()[:, R:]), loss.item()))

    return run


def engine_loop(cls, data: Dataset, init: list[np.ndarray], batch: int):
    """A step function running one of our engines a chunk at a time."""
    engine = cls(
        data,
        [w.copy() for w in init],
        activation="identity",
        loss="mse",
        lr=LR,
        weight_decay=0.0,
        clip=CLIP,
        device="cpu",
        threads=1,
    )
    if batch == data.n:
        return engine.step_full
    stream = BatchStream(data.n, batch, seed=0)

    def run(k: int) -> None:
        while k > 0:  # in chunks of at most MAX_CHUNK steps, as the training driver calls it
            indices, offsets = stream.take(min(k, MAX_CHUNK))
            engine.step_batches(indices, offsets)
            k -= MAX_CHUNK

    return run


def calibrate(run, seconds: float) -> int:
    """Steps per repeat so that one repeat takes ~``seconds`` of CPU time."""
    run(1)  # warm-up (compiles, allocates)
    k = 1
    while True:
        t = time.process_time()
        run(k)
        spent = time.process_time() - t
        if spent > seconds / 10 or k >= 1 << 20:
            return max(1, int(k * seconds / max(spent, 1e-9)))
        k *= 4


def time_interleaved(runs: dict, seconds: float, repeats: int) -> dict[str, tuple[float, float]]:
    """Median (CPU, wall) seconds per step of each runner. Repeats take turns across
    runners (authors, torch, numba, authors, ...): on a shared host a slow spell then
    hits every engine alike instead of one engine's whole measurement."""
    steps = {name: calibrate(run, seconds) for name, run in runs.items()}
    cpu, wall = {name: [] for name in runs}, {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            c, w = time.process_time(), time.perf_counter()
            run(steps[name])
            cpu[name].append((time.process_time() - c) / steps[name])
            wall[name].append((time.perf_counter() - w) / steps[name])
    return {name: (float(np.median(cpu[name])), float(np.median(wall[name]))) for name in runs}


def flops_per_step(shapes: list[tuple[int, int]], batch: int) -> float:
    """Forward, weight gradients and input gradients (not for the first layer)."""
    macs = sum(o * i for o, i in shapes)
    return 2.0 * batch * (3 * macs - shapes[0][0] * shapes[0][1])


def clock_ghz() -> float:
    try:
        text = Path("/proc/cpuinfo").read_text()
        return float(re.findall(r"cpu MHz\s*:\s*([0-9.]+)", text)[0]) / 1000
    except (OSError, IndexError):
        return 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=0.5, help="CPU seconds per repeat")
    parser.add_argument(
        "--flops-per-cycle", type=float, default=32.0, help="one core's fp32 peak (AVX2 FMA: 32)"
    )
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    x, y = make_synthetic(5000, 15, R, 0.001, "linear", seed=0)
    data = Dataset(x=x, y=y, support=support_mask(15, R))
    shapes = layer_shapes(15, [15, 15, 15], 1)
    init = init_weights(shapes, 0)
    peak = args.flops_per_cycle * clock_ghz() * 1e9
    print(
        f"# {platform.processor() or platform.machine()}, {clock_ghz():.2f} GHz, torch {torch.__version__}, "
        f"1 thread; data {data.n} x {data.d}; model {shapes}; {args.repeats} repeats of ~{args.seconds} s"
    )
    print(f"{'engine':<8} {'b':>6} {'us/step':>10} {'wall us':>10} {'x authors':>10} {'x floor':>8}")
    for batch in BATCHES:
        b = data.n if batch == "full" else batch
        floor = flops_per_step(shapes, b) / peak
        runs = {
            "authors": authors_loop(data, init, b),
            "torch": engine_loop(TorchEngine, data, init, b),
            "numba": engine_loop(NumbaEngine, data, init, b),
        }
        timed = time_interleaved(runs, args.seconds, args.repeats)
        base = timed["authors"][0]
        for name, (cpu, wall) in timed.items():
            print(
                f"{name:<8} {batch!s:>6} {cpu * 1e6:>10.1f} {wall * 1e6:>10.1f} {base / cpu:>10.1f} "
                f"{cpu / floor:>8.1f}"
            )


if __name__ == "__main__":
    main()

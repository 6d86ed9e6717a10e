"""CPU seconds of the training driver on groups: ``group.train_group`` on a paper cell in
small (the paper's data, 10,000 x 15, and linear MLP 15-15-15-15-1), K runs of one batch
size, as an ensemble (torch, in lockstep) and as numba runs one after another; the
record grid of config.yaml (every step to 100, 40 per decade). What the driver adds to
the engines' arithmetic shows as the difference between two source trees timed back
to back on the same machine:

Usage: ``OMP_NUM_THREADS=1 python benchmarks/group_driver.py [--src OTHER/src] [--repeat 3]``
(``--src``: the package to time, e.g. another checkout's; default this one's).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--src", default=str(REPO / "src"))
    parser.add_argument("--repeat", type=int, default=3, help="timings per case; the least is printed")
    parser.add_argument("--k", type=int, default=8, help="runs per group")
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args()
    sys.path.insert(0, args.src)
    import torch

    from sgd_support.core.data.store import Dataset
    from sgd_support.core.data.synthetic import make_synthetic, support_mask
    from sgd_support.core.group import train_group
    from sgd_support.core.models import init_weights, layer_shapes
    from sgd_support.core.training import RunSpec

    torch.set_num_threads(1)
    x, y = make_synthetic(5000, 15, 5, 0.001, "linear", seed=0)
    data = Dataset(x=x, y=y, support=support_mask(15, 5))
    shapes = layer_shapes(15, [15, 15, 15], 1)
    inits = [init_weights(shapes, seed) for seed in range(args.k)]
    print(
        f"# {args.src}: K = {args.k} runs x {args.steps} steps per group,"
        f" CPU seconds (least of {args.repeat})"
    )
    for engine in ("torch", "numba"):
        for batch in (None, 32, 1):
            specs = [
                RunSpec(
                    lr=0.1 / (1 + m), batch=batch, steps=args.steps, order_seed=m, engine=engine, device="cpu"
                )
                for m in range(args.k)
            ]
            train_group(data, inits, specs[:1])  # warm-up: numba's cache, torch's allocator
            best = float("inf")
            for _ in range(args.repeat):
                start = time.process_time()
                train_group(data, inits, specs)
                best = min(best, time.process_time() - start)
            way = "ensemble" if engine == "torch" else "numba, one after another"
            print(f"{way:26} batch {batch or 'full':>4}: {best:7.3f} CPU-s", flush=True)


if __name__ == "__main__":
    main()

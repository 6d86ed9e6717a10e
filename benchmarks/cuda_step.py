"""Per-step time of the torch engine on CUDA (replaying captured graphs, and eager)
and on the CPU, for GD and SGD-32 on the default linear data set. Needs CUDA.

Usage: ``python benchmarks/cuda_step.py``
"""

from __future__ import annotations

import time

import torch

from sgd_support.batches import BatchStream
from sgd_support.data.store import Dataset
from sgd_support.data.synthetic import make_synthetic, support_mask
from sgd_support.engines.torch_engine import TorchEngine
from sgd_support.models import init_weights, layer_shapes


def main() -> None:
    x, y = make_synthetic(5000, 15, 5, 0.001, "linear", seed=0)
    data = Dataset(x=x, y=y, support=support_mask(15, 5))
    init = init_weights(layer_shapes(15, [15, 15, 15], 1), 0)
    print(f"# {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    for device, graphs in (("cuda", True), ("cuda", False), ("cpu", False)):
        for batch, steps in ((None, 500), (32, 2000)):
            engine = TorchEngine(data, [w.copy() for w in init], activation="identity", loss="mse", lr=0.1,
                                 weight_decay=0.0, clip=1.0, device=device, cuda_graphs=graphs)  # fmt: skip
            stream = BatchStream(data.n, batch or data.n, 0)
            run = (lambda k: engine.step_full(k)) if batch is None else (lambda k: engine.step_batches(*stream.take(k)))
            run(20 if batch is None else 320)  # warm-up; 320 > one epoch: both graphs (full and last partial batch) captured
            start = time.perf_counter()
            run(steps)  # returns a float: synchronises with the device
            per_step = (time.perf_counter() - start) / steps
            mode = "graphs" if graphs else "eager"
            print(f"{device:<5} {mode:<7} {'GD' if batch is None else f'SGD-{batch}':<7} {per_step * 1e6:10.1f} us/step")


if __name__ == "__main__":
    main()

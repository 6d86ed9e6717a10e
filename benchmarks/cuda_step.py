"""Per-step time of the torch engine on CUDA (replaying captured graphs, and eager)
and on the CPU (one thread, as jobs run): GD and SGD-32 on the default linear data
set and the paper's 3x15 linear MLP; then an MNIST-sized problem (60,000 random
28x28 "images", 10 classes, ReLU MLP 784-1024-128-10, MSE on one-hot targets as
config/mnist.yaml) with SGD-32, SGD-2048 and GD. Needs CUDA.

Usage: ``python benchmarks/cuda_step.py``
"""

from __future__ import annotations

import time

import numpy as np
import torch

from sgd_support.core.batches import BatchStream
from sgd_support.core.data.store import Dataset
from sgd_support.core.data.synthetic import make_synthetic, support_mask
from sgd_support.core.engines.torch_engine import TorchEngine
from sgd_support.core.models import init_weights, layer_shapes


def per_step(
    data: Dataset,
    init: list,
    activation: str,
    device: str,
    graphs: bool,
    batch: int | None,
    steps: int,
    warmup: int,
) -> float:
    """Seconds per step of the torch engine after ``warmup`` steps (which capture the
    graphs: pick it past an epoch's end where the last batch is partial)."""
    engine = TorchEngine(
        data,
        [w.copy() for w in init],
        activation=activation,
        loss="mse",
        lr=0.1,
        weight_decay=0.0,
        clip=1.0,
        device=device,
        cuda_graphs=graphs,
    )
    stream = BatchStream(data.n, batch or data.n, 0)

    def run(k: int) -> float:
        return engine.step_full(k) if batch is None else engine.step_batches(*stream.take(k))

    run(warmup)
    start = time.perf_counter()
    run(steps)  # returns a float: synchronises with the device
    return (time.perf_counter() - start) / steps


def report(title: str, data: Dataset, init: list, activation: str, cases: list[tuple]) -> None:
    """cases: (device, graphs, batch, steps, warmup)."""
    print(f"## {title}")
    for device, graphs, batch, steps, warmup in cases:
        seconds = per_step(data, init, activation, device, graphs, batch, steps, warmup)
        mode = "graphs" if graphs else "eager"
        name = "GD" if batch is None else f"SGD-{batch}"
        print(f"{device:<5} {mode:<7} {name:<9} {seconds * 1e6:12.1f} us/step")


def main() -> None:
    torch.set_num_threads(1)
    print(f"# {torch.cuda.get_device_name(0)}, torch {torch.__version__}, 1 CPU thread")
    x, y = make_synthetic(5000, 15, 5, 0.001, "linear", seed=0)
    data = Dataset(x=x, y=y, support=support_mask(15, 5))
    init = init_weights(layer_shapes(15, [15, 15, 15], 1), 0)
    cases = [
        (device, graphs, batch, steps, warmup)
        for device, graphs in (("cuda", True), ("cuda", False), ("cpu", False))
        for batch, steps, warmup in ((None, 500, 20), (32, 2000, 320))
    ]
    report("linear target, 10,000 x 15, linear MLP 15-15-15-15-1", data, init, "identity", cases)

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 60_000)
    data = Dataset(
        x=rng.random((60_000, 784), dtype=np.float32),
        y=np.eye(10, dtype=np.float32)[labels],
        support=np.ones(784, bool),
        task="classification",
        labels=labels,
    )
    init = init_weights(layer_shapes(784, [1024, 128], 10), 0)
    cases = [
        ("cuda", True, 32, 2000, 20),
        ("cuda", False, 32, 500, 20),
        ("cpu", False, 32, 100, 5),
        ("cuda", True, 2048, 300, 40),
        ("cuda", False, 2048, 300, 40),
        ("cpu", False, 2048, 5, 1),
        ("cuda", True, None, 50, 3),
        ("cuda", False, None, 50, 3),
    ]
    report(
        "MNIST-sized: 60,000 x 784, ReLU MLP 784-1024-128-10 (CPU GD left out: ~5 s a step)",
        data,
        init,
        "relu",
        cases,
    )


if __name__ == "__main__":
    main()

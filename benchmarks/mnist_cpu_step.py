"""Per-step CPU time of the torch engine (one thread, as jobs run) for E7's MLPs:
the default config's 784-128-32-10 on the 4,000 bundled MNIST training images
(SGD-32, -512, -2048, GD), and config/mnist.yaml's 784-1024-128-10 on 60,000 random
28x28 "images" (SGD-32, SGD-2048, GD) with the cost of one record (evaluating the
60,000 + 10,000 images). Multiply by a config's steps for a run's expected time.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/mnist_cpu_step.py``
"""

from __future__ import annotations

import time

import numpy as np
import torch
from cuda_step import per_step  # benchmarks/ is on sys.path when run as a script

from sgd_support.core.data.mnist_bundled import build
from sgd_support.core.data.store import Dataset
from sgd_support.core.engines.torch_engine import TorchEngine
from sgd_support.core.models import init_weights, layer_shapes


def report(title: str, data: Dataset, widths: list[int], cases: list[tuple]) -> list:
    """cases: (batch or None for GD, steps, warmup)."""
    print(f"## {title}")
    init = init_weights(layer_shapes(784, widths, 10), 0)
    for batch, steps, warmup in cases:
        seconds = per_step(data, init, "relu", "cpu", False, batch, steps, warmup)
        print(
            f"cpu   {'GD' if batch is None else f'SGD-{batch}':<9} {seconds * 1e3:10.2f} ms/step", flush=True
        )
    return init


def main() -> None:
    torch.set_num_threads(1)
    print(f"# torch {torch.__version__}, 1 CPU thread")
    cases = [(32, 500, 130), (512, 100, 10), (2048, 30, 3), (None, 20, 2)]
    report("bundled MNIST: 4,000 x 784, ReLU MLP 784-128-32-10 (config.yaml)", build({}), [128, 32], cases)

    rng = np.random.default_rng(0)
    labels, test_labels = rng.integers(0, 10, 60_000), rng.integers(0, 10, 10_000)
    eye = np.eye(10, dtype=np.float32)
    data = Dataset(
        x=rng.random((60_000, 784), dtype=np.float32),
        y=eye[labels],
        labels=labels,
        x_test=rng.random((10_000, 784), dtype=np.float32),
        y_test=eye[test_labels],
        labels_test=test_labels,
        support=np.ones(784, bool),
        task="classification",
    )
    cases = [(32, 200, 5), (2048, 10, 1), (None, 2, 1)]
    init = report(
        "MNIST-sized: 60,000 x 784, ReLU MLP 784-1024-128-10 (config/mnist.yaml)", data, [1024, 128], cases
    )
    engine = TorchEngine(
        data, init, activation="relu", loss="mse", lr=0.1, weight_decay=0.0, clip=1.0, device="cpu"
    )
    start = time.perf_counter()
    engine.evaluate()
    print(f"cpu   one record (evaluates 70,000 images) {time.perf_counter() - start:8.2f} s")


if __name__ == "__main__":
    main()

"""Generated image data in torchvision's on-disk layouts (test-only).

MNIST: the four raw IDX files under ``root/MNIST/raw/`` (torchvision reads them
without checksums). CIFAR: the pickled batches under ``root/cifar-10-batches-py/``
or ``root/cifar-100-python/``, whose md5s differ from the published files, so the
data set entry needs ``checksum: false``. Images are random with a zero border of
``border`` pixels, so the never-lit pixels are known.
"""

from __future__ import annotations

import pickle
import struct
from pathlib import Path

import numpy as np


def random_images(n: int, shape: tuple[int, ...], classes: int, seed: int, border: int = 2):
    """uint8 images of ``shape`` (h, w[, c]) lit only inside the border, and labels."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, *shape), dtype=np.uint8)
    inner = rng.integers(0, 256, size=(n, shape[0] - 2 * border, shape[1] - 2 * border, *shape[2:]))
    images[:, border : shape[0] - border, border : shape[1] - border] = inner
    return images, rng.integers(0, classes, size=n).astype(np.uint8)


def _idx(path: Path, array: np.ndarray) -> None:
    """Write ``array`` (uint8) as an IDX file: magic (0, 0, 0x08, ndim), sizes, data."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def write_mnist(root: Path, n_train: int = 120, n_test: int = 40, seed: int = 0) -> Path:
    """MNIST's raw IDX files under ``root/MNIST/raw``; returns ``root``."""
    raw = Path(root) / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for prefix, n, s in (("train", n_train, seed), ("t10k", n_test, seed + 1)):
        images, labels = random_images(n, (28, 28), 10, s)
        _idx(raw / f"{prefix}-images-idx3-ubyte", images)
        _idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    return Path(root)


def write_cifar(root: Path, classes: int = 10, n_train: int = 50, n_test: int = 20, seed: int = 0) -> Path:
    """CIFAR10 (``classes=10``, five train batches) or CIFAR100 files under ``root``."""
    folder = Path(root) / ("cifar-10-batches-py" if classes == 10 else "cifar-100-python")
    folder.mkdir(parents=True, exist_ok=True)
    key = "labels" if classes == 10 else "fine_labels"

    def dump(name: str, n: int, s: int) -> None:
        images, labels = random_images(n, (32, 32, 3), classes, s)
        rows = images.transpose(0, 3, 1, 2).reshape(n, -1)  # CIFAR stores CHW rows
        with open(folder / name, "wb") as fh:
            pickle.dump({"data": rows, key: labels.astype(int).tolist()}, fh)

    if classes == 10:
        for i in range(5):
            dump(f"data_batch_{i + 1}", n_train // 5, seed + i)
        dump("test_batch", n_test, seed + 10)
        meta = ("batches.meta", {"label_names": [f"class{i}" for i in range(10)]})
    else:
        dump("train", n_train, seed)
        dump("test", n_test, seed + 10)
        meta = ("meta", {"fine_label_names": [f"class{i}" for i in range(100)]})
    with open(folder / meta[0], "wb") as fh:
        pickle.dump(meta[1], fh)
    return Path(root)

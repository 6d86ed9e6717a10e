"""The on-disk data set format that training jobs read (numpy ``.npz``).

Data sets are built once by their own rule, so training jobs need neither torch
nor torchvision to start (cheap job start), and every job of a sweep reads the
same bytes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np

from sgd_support.core.atomic import atomic_path
from sgd_support.core.errors import reading


@dataclass
class Dataset:
    """Training (and optional test) data, float32.

    x: (n, d) inputs; y: (n, k) targets (regression values or one-hot rows);
    support: (d,) bool, True on the inputs the target depends on (synthetic data)
    or that vary at all (images), used for the irrelevant/relevant norms;
    task: "regression" or "classification" (then ``labels`` holds class ids);
    image_shape: (h, w) for image data, so first-layer columns can be shown as maps;
    generator: for kinds drawn from a known distribution (synthetic, relu_counterexample),
    its parameters (JSON-able, with ``kind``), from which online sampling draws fresh
    rows (``data.online``); None for the others and for files written before it existed.
    """

    x: np.ndarray
    y: np.ndarray
    support: np.ndarray
    task: str = "regression"
    labels: np.ndarray | None = None
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    labels_test: np.ndarray | None = None
    image_shape: tuple[int, ...] = field(default_factory=tuple)
    generator: dict | None = None

    @property
    def n(self) -> int:
        return self.x.shape[0]

    @property
    def d(self) -> int:
        return self.x.shape[1]

    @property
    def outputs(self) -> int:
        return self.y.shape[1]


def save_dataset(ds: Dataset, path: str | os.PathLike) -> None:
    """Write ``ds`` to ``path`` (an ``.npz``), atomically."""
    arrays = {
        "x": ds.x.astype(np.float32),
        "y": ds.y.astype(np.float32),
        "support": ds.support.astype(bool),
        "task": np.array(ds.task),
        "image_shape": np.array(ds.image_shape, dtype=np.int64),
    }
    for name in ("labels", "x_test", "y_test", "labels_test"):
        value = getattr(ds, name)
        if value is not None:
            arrays[name] = value
    if ds.generator is not None:
        arrays["generator"] = np.array(json.dumps(ds.generator, sort_keys=True))
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)


def load_dataset(path: str | os.PathLike) -> Dataset:
    """Read a data set written by :func:`save_dataset` (DamagedFileError if it does not
    read as one)."""
    with reading(path), np.load(path) as f:
        optional = {k: f[k] for k in ("labels", "x_test", "y_test", "labels_test") if k in f}
        return Dataset(
            x=f["x"],
            y=f["y"],
            support=f["support"],
            task=str(f["task"]),
            image_shape=tuple(int(s) for s in f["image_shape"]),
            generator=json.loads(str(f["generator"])) if "generator" in f else None,
            **optional,
        )

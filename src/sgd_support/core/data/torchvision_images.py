"""MNIST, CIFAR10 and CIFAR100 through ``torchvision.datasets``.

A data set entry names a data root (``root``) and whether torchvision may
download into it (``download``, default false: tests, CI and offline machines
read what is on disk). Images are scaled to [0, 1] and flattened row-major in
torchvision's layout (MNIST: 28x28; CIFAR: 32x32x3, channels last), so a column
of the first layer maps back to a pixel with ``image_shape``. Targets are one-hot
rows (MSE on one-hot targets, as the theory assumes) with class ids in ``labels``;
the support is the set of pixels (channels) that vary over the training images.

CIFAR's loader checks the md5 of each batch file against the published data;
``checksum: false`` accepts other files in the same layout (re-packed copies,
the generated files of the tests) through a subclass that checks only that the
files exist, and otherwise runs torchvision's own loading code.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from sgd_support.core.data.store import Dataset

# kind -> (torchvision class name, image shape of one flattened row, classes)
KINDS = {
    "mnist": ("MNIST", (28, 28), 10),
    "cifar10": ("CIFAR10", (32, 32, 3), 10),
    "cifar100": ("CIFAR100", (32, 32, 3), 100),
}


class DataRootError(FileNotFoundError):
    """The data root of an image data set is missing and downloads are off."""


def _unchecked(cls):
    """``cls`` (a torchvision CIFAR class) without the md5 checks: files must exist."""
    import pickle

    class Unchecked(cls):
        def _check_integrity(self) -> bool:
            return all(
                Path(self.root, self.base_folder, name).is_file()
                for name, _ in self.train_list + self.test_list
            )

        def _load_meta(self) -> None:
            with open(Path(self.root, self.base_folder, self.meta["filename"]), "rb") as fh:
                self.classes = pickle.load(fh, encoding="latin1")[self.meta["key"]]
            self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    Unchecked.__name__ = cls.__name__
    return Unchecked


def load_split(
    kind: str, root: str | os.PathLike | None, train: bool, download: bool = False, checksum: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """One split of a torchvision image data set as ``(images uint8, labels int64)``.

    images: (n, 28, 28) for MNIST, (n, 32, 32, 3) for CIFAR. Raises
    :class:`DataRootError` naming the config keys when the data are not on disk
    and ``download`` is off.
    """
    import torchvision.datasets as tvd

    if kind not in KINDS:
        raise ValueError(f"unknown image kind {kind!r}; allowed: {', '.join(KINDS)}")
    if root is None or (not download and not Path(root).is_dir()):
        raise DataRootError(
            f"{kind}: the data root (config key 'root' of this data set) is "
            f"{'not set' if root is None else repr(str(root)) + ', which does not exist'}, and "
            "downloads are off (config key 'download: false'); point 'root' at a folder holding "
            f"torchvision's {KINDS[kind][0]} files or set 'download: true' on a machine with internet"
        )
    cls = getattr(tvd, KINDS[kind][0])
    if kind != "mnist" and not checksum:
        cls = _unchecked(cls)
    try:
        data = cls(root=str(root), train=train, download=download)
    except RuntimeError as err:  # torchvision: "Dataset not found or corrupted ..."
        raise DataRootError(
            f"{kind}: no usable {KINDS[kind][0]} files under the data root {str(root)!r} "
            f"(config key 'root'; downloads {'on' if download else 'off'}, config key 'download'): {err}"
        ) from err
    images = data.data.numpy() if hasattr(data.data, "numpy") else np.asarray(data.data)
    labels = np.asarray(data.targets, dtype=np.int64)
    return images.astype(np.uint8), labels


def build(cfg: dict) -> Dataset:
    """The Dataset of a ``kind: mnist | cifar10 | cifar100`` entry.

    cfg: ``root`` (data root), ``download`` (default false), ``checksum``
    (CIFAR md5 checks, default true).
    """
    kind = cfg["kind"]
    _, shape, classes = KINDS[kind]
    split = {}
    for train in (True, False):
        images, labels = load_split(
            kind, cfg.get("root"), train, bool(cfg.get("download", False)), bool(cfg.get("checksum", True))
        )
        if images.shape[1:] != shape:
            raise ValueError(f"{kind}: images of shape {images.shape[1:]}, expected {shape}")
        split[train] = (images.reshape(len(images), -1).astype(np.float32) / 255.0, labels)
    (x, labels), (x_test, labels_test) = split[True], split[False]
    onehot = np.eye(classes, dtype=np.float32)
    return Dataset(
        x=x,
        y=onehot[labels],
        labels=labels,
        x_test=x_test,
        y_test=onehot[labels_test],
        labels_test=labels_test,
        support=x.std(axis=0) > 0,
        task="classification",
        image_shape=shape,
    )

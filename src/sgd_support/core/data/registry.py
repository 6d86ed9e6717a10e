"""Data set kinds: config ``kind`` -> builder, imported lazily.

A builder takes the data set's config entry (a dict) and returns a
:class:`~sgd_support.core.data.store.Dataset`. Builders live in their own modules so a
kind's heavy imports (torchvision, scikit-learn) are paid only by the rule that
builds that kind, never by training jobs.
"""

from __future__ import annotations

import importlib

from sgd_support.core.data.store import Dataset

BUILDERS = {
    "synthetic": "sgd_support.core.data.synthetic:build",
    "relu_counterexample": "sgd_support.core.data.relu_counterexample:build",
    "digits": "sgd_support.core.data.digits:build",
    "mnist_bundled": "sgd_support.core.data.mnist_bundled:build",
    "mnist": "sgd_support.core.data.torchvision_images:build",
    "cifar10": "sgd_support.core.data.torchvision_images:build",
    "cifar100": "sgd_support.core.data.torchvision_images:build",
    "toy_points": "sgd_support.core.data.toy:build_points",
    "toy_landscape": "sgd_support.core.data.toy:build_landscape",
}

# Kinds whose rows are flattened images (``Dataset.image_shape`` set): the image
# figures (E7 focus maps, E8 pixel spectra) are made for data sets of these kinds.
IMAGE_KINDS = frozenset({"digits", "mnist_bundled", "mnist", "cifar10", "cifar100"})

# Kinds computed from another data set by their own rule (not by a builder here):
# frozen-backbone features of an image data set (rule extract_features, E9).
FEATURE_KINDS = frozenset({"resnet18_features"})

# Kinds whose training benefits from a GPU: their training jobs request one
# (``resources: gpu``) so a cluster profile can schedule them on GPU nodes.
GPU_KINDS = IMAGE_KINDS | FEATURE_KINDS


# (inputs, outputs) of the kinds whose size is fixed, for choosing an engine before the
# data exist (``sgd_support.sweep.placement``). Flattened images; CIFAR channels last.
IO_SIZES = {
    "digits": (64, 10),
    "mnist_bundled": (784, 10),
    "mnist": (784, 10),
    "cifar10": (3072, 10),
    "cifar100": (3072, 100),
    "toy_points": (1, 1),
    "toy_landscape": (1, 1),
}
FEATURE_WIDTH = 512  # resnet18_features: ResNet18's pooled features


def io_sizes(cfg: dict, datasets: dict[str, dict]) -> tuple[int, int]:
    """(inputs, outputs) of the data set entry ``cfg``; ``datasets`` (all entries of the
    config) resolves a features set's ``source``, whose classes it keeps."""
    kind = cfg["kind"]
    if kind in ("synthetic", "relu_counterexample"):
        return cfg["d"], 1
    if kind in FEATURE_KINDS:
        return FEATURE_WIDTH, io_sizes(datasets[cfg["source"]], datasets)[1]
    return IO_SIZES[kind]


def build_dataset(cfg: dict) -> Dataset:
    """Build the data set described by a config entry."""
    kind = cfg["kind"]
    if kind not in BUILDERS:
        raise ValueError(f"unknown dataset kind {kind!r}; allowed: {', '.join(BUILDERS)}")
    module, func = BUILDERS[kind].split(":")
    return getattr(importlib.import_module(module), func)(cfg)

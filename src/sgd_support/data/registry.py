"""Data set kinds: config ``kind`` -> builder, imported lazily.

A builder takes the data set's config entry (a dict) and returns a
:class:`~sgd_support.data.store.Dataset`. Builders live in their own modules so a
kind's heavy imports (torchvision, scikit-learn) are paid only by the rule that
builds that kind, never by training jobs.
"""

from __future__ import annotations

import importlib

from sgd_support.data.store import Dataset

BUILDERS = {
    "synthetic": "sgd_support.data.synthetic:build",
    "digits": "sgd_support.data.digits:build",
    "toy_points": "sgd_support.data.toy:build_points",
    "toy_landscape": "sgd_support.data.toy:build_landscape",
}

# Kinds whose training benefits from a GPU: their training jobs request one
# (``resources: gpu``) so a cluster profile can schedule them on GPU nodes.
GPU_KINDS = frozenset({"digits"})


def build_dataset(cfg: dict) -> Dataset:
    """Build the data set described by a config entry."""
    kind = cfg["kind"]
    if kind not in BUILDERS:
        raise ValueError(f"unknown dataset kind {kind!r}; allowed: {', '.join(BUILDERS)}")
    module, func = BUILDERS[kind].split(":")
    return getattr(importlib.import_module(module), func)(cfg)

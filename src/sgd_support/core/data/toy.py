"""Scalar data sets of the toy model f(x) = a*b*x (App. B, Fig. 4 and 9).

Two kinds, each a builder of the registry:

- ``toy_points``: the listed points ``(x_i, y_i)``, in order. The paper's
  D1 = {(1, -1), (1, 1)} (one input, opposite labels: SGD oscillates on the
  outputs) and D2 = {(1, 0), (3, 0)} (the authors' script used x = 1/3 and 3; the
  model fits it exactly, SGD oscillates on the inputs).
- ``toy_landscape``: Fig. 9's set, ``n`` Gaussian inputs rescaled so that
  mean(x^2) = 1, every label 1/mean(x). Then the MSE is
  (a*b - 1)^2 + 1/mean(x)^2 - 1, so the minima are the hyperbola a*b = 1 and the
  min-norm minima are (1, 1) and (-1, -1).

The input has one coordinate and no irrelevant ones: ``support`` is all True.
"""

from __future__ import annotations

import numpy as np

from sgd_support.core.data.store import Dataset

KINDS = ("toy_points", "toy_landscape")  # the registry's kinds built here


def _dataset(x: np.ndarray, y: np.ndarray) -> Dataset:
    x = np.asarray(x, dtype=np.float32).reshape(-1, 1)
    y = np.asarray(y, dtype=np.float32).reshape(-1, 1)
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"need as many labels as inputs (at least one), got {len(x)} and {len(y)}")
    return Dataset(x=x, y=y, support=np.ones(1, dtype=bool))


def build_points(cfg: dict) -> Dataset:
    """The points of a ``kind: toy_points`` entry: lists ``x`` and ``y`` of equal length."""
    return _dataset(cfg["x"], cfg["y"])


def landscape_inputs(n: int, seed: int) -> np.ndarray:
    """``n`` standard-normal draws of ``default_rng(seed)``, rescaled to mean(x^2) = 1."""
    z = np.random.default_rng(seed).standard_normal(n)
    return z / np.sqrt(np.mean(z**2))


def build_landscape(cfg: dict) -> Dataset:
    """Fig. 9's data of a ``kind: toy_landscape`` entry (``n``, ``seed``): labels 1/mean(x)."""
    x = landscape_inputs(cfg["n"], cfg.get("seed", 0))
    return _dataset(x, np.full_like(x, 1.0 / x.mean()))

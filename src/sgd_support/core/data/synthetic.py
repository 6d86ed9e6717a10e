"""Synthetic regression data whose target depends on the first ``r`` of ``d`` inputs.

Built exactly as in the authors' notebooks (``docs/experiments.md``, "Synthetic data"):
numpy's legacy global generator seeded with the data seed draws ``x = randn(n, d)``
and then ``eps = randn(n)``; the irrelevant columns ``r..d-1`` are centred; the
label noise is made symmetric by listing every sample twice, once with ``+eps``
and once with ``-eps``, so the data set has ``2n`` rows.
"""

from __future__ import annotations

import numpy as np

TARGETS = ("linear", "sine", "staircase")


def target_values(x: np.ndarray, r: int, target: str) -> np.ndarray:
    """Noise-free labels g(x) for inputs ``x`` of shape (n, d); returns shape (n,).

    linear: sum of the support coordinates (w = 1 on the support, 0 elsewhere);
    sine: sin of that sum; staircase: sum_{i<r} x_i^(i+1).
    """
    support = x[:, :r]
    if target == "linear":
        return support.sum(axis=1)
    if target == "sine":
        return np.sin(support.sum(axis=1))
    if target == "staircase":
        powers = np.arange(1, r + 1)
        return (support**powers).sum(axis=1)
    raise ValueError(f"unknown target {target!r}; allowed: {', '.join(TARGETS)}")


def make_synthetic(
    n: int, d: int, r: int, noise: float, target: str, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(x, y)``: float32 arrays of shapes (2n, d) and (2n, 1).

    Rows ``0..n-1`` carry ``g(x) + noise*eps``, rows ``n..2n-1`` the same inputs
    with ``g(x) - noise*eps``. Uses (and reseeds) numpy's legacy global generator,
    as the authors did, so that seed 0 reproduces their data bit for bit.
    """
    if not 1 <= r <= d:
        raise ValueError(f"need 1 <= r <= d, got r={r}, d={d}")
    np.random.seed(seed)
    x = np.random.randn(n, d)
    eps = np.random.randn(n)
    x[:, r:] -= x[:, r:].mean(axis=0)
    g = target_values(x, r, target)
    inputs = np.concatenate([x, x]).astype(np.float32)
    labels = np.concatenate([g + noise * eps, g - noise * eps]).astype(np.float32)
    return inputs, labels[:, None]


def support_mask(d: int, r: int) -> np.ndarray:
    """Boolean mask over the d input columns: True on the support (the first r)."""
    mask = np.zeros(d, dtype=bool)
    mask[:r] = True
    return mask


def build(cfg: dict):
    """The Dataset of a ``kind: synthetic`` config entry."""
    from sgd_support.core.data.store import Dataset

    noise = cfg.get("noise", 0.001)
    x, y = make_synthetic(cfg["n"], cfg["d"], cfg["r"], noise, cfg["target"], cfg.get("seed", 0))
    # the distribution's parameters, which online sampling draws fresh rows from (data.online)
    generator = {"kind": "synthetic", "d": cfg["d"], "r": cfg["r"], "noise": noise, "target": cfg["target"]}
    return Dataset(x=x, y=y, support=support_mask(cfg["d"], cfg["r"]), generator=generator)

"""What a trajectory records and when: the metrics recorded at each grid step, computed
from the weights themselves, and the step grid.

The step grid: every step up to ``dense_until`` (the early phase moves fast), then
``per_decade`` log-spaced steps per decade aligned on powers of ten, plus the
"round" steps 1, 2, 5 x 10^k (the reference tables give 1k, 5k, 20k, 50k, 200k), then the
last step; optionally also every ``every`` steps. Always contains step 0 (the
init) and the last step.
"""

from __future__ import annotations

import numpy as np


def weight_metrics(weights: list[np.ndarray], support: np.ndarray) -> dict[str, float]:
    """Norms of a model's weights.

    irrelevant_norm: ``||W1[:, ~support]||_F`` (the first-layer weights that touch
    inputs the target does not depend on); relevant_norm: ``||W1[:, support]||_F``;
    norm_w{i}: Frobenius norm of layer i; total_norm: norm of all parameters.
    Float64 accumulation, so the metric itself adds no float32 rounding.
    """
    w1 = weights[0].astype(np.float64)
    out = {
        "irrelevant_norm": float(np.linalg.norm(w1[:, ~support])),
        "relevant_norm": float(np.linalg.norm(w1[:, support])),
    }
    layer_norms = [float(np.linalg.norm(w.astype(np.float64))) for w in weights]
    for i, norm in enumerate(layer_norms):
        out[f"norm_w{i}"] = norm
    out["total_norm"] = float(np.sqrt(np.sum(np.square(layer_norms))))
    return out


def is_diverged(metrics: dict[str, float], weights: list[np.ndarray], bound: float) -> bool:
    """True when the loss or any weight is non-finite or a weight exceeds ``bound``."""
    if not np.isfinite(metrics["full_loss"]):
        return True
    return any(not np.all(np.isfinite(w)) or np.abs(w).max() > bound for w in weights)


def param_columns(weights: list[np.ndarray], limit: int) -> dict[str, float]:
    """Every parameter as its own column ``w{layer}_{row}_{col}``, for models with at
    most ``limit`` parameters (else none): the toy model's a and b over steps."""
    if sum(w.size for w in weights) > limit:
        return {}
    return {f"w{i}_{r}_{c}": float(v) for i, w in enumerate(weights) for (r, c), v in np.ndenumerate(w)}


def record_steps(steps: int, dense_until: int = 100, per_decade: int = 40, every: int = 0) -> np.ndarray:
    """Sorted unique int64 steps in [0, steps] at which metrics are recorded."""
    if steps <= 0:
        raise ValueError(f"steps must be positive, got {steps}")
    dense = np.arange(0, min(dense_until, steps) + 1)
    parts = [dense, [steps]]
    if steps > dense_until and per_decade > 0:
        exponents = np.arange(0, int(np.ceil(np.log10(steps) * per_decade)) + 1) / per_decade
        parts.append(np.round(10.0**exponents).astype(np.int64))
        decades = 10 ** np.arange(0, int(np.log10(steps)) + 1)
        parts.append(np.outer([1, 2, 5], decades).ravel())
    if every > 0:
        parts.append(np.arange(0, steps + 1, every))
    grid = np.unique(np.concatenate([np.asarray(p, dtype=np.int64) for p in parts]))
    return grid[(grid >= 0) & (grid <= steps)]


def snapshot_steps(steps: int, requested: list[int] | tuple[int, ...] = ()) -> np.ndarray:
    """Steps at which all weights are saved: the init, the end, and ``requested`` ones
    that fall inside the run."""
    inner = [s for s in requested if 0 < s < steps]
    return np.unique(np.asarray([0, *inner, steps], dtype=np.int64))

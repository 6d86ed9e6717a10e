"""Metrics recorded at each grid step, computed from the weights themselves."""

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

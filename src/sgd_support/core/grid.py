"""The step grid on which a trajectory is recorded.

Every step up to ``dense_until`` (the early phase moves fast), then
``per_decade`` log-spaced steps per decade aligned on powers of ten, plus the
"round" steps 1, 2, 5 x 10^k (the reference tables give 1k, 5k, 20k, 50k, 200k), then the
last step; optionally also every ``every`` steps. Always contains step 0 (the
init) and the last step.
"""

from __future__ import annotations

import numpy as np


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

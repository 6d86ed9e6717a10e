"""The step grid on which a trajectory is recorded.

Every step up to ``dense_until`` (the early phase moves fast), then
``per_decade`` log-spaced steps per decade, then the last step; optionally also
every ``every`` steps. Always contains step 0 (the init) and the last step.
"""

from __future__ import annotations

import numpy as np


def record_steps(
    steps: int, dense_until: int = 100, per_decade: int = 40, every: int = 0
) -> np.ndarray:
    """Sorted unique int64 steps in [0, steps] at which metrics are recorded."""
    if steps <= 0:
        raise ValueError(f"steps must be positive, got {steps}")
    dense = np.arange(0, min(dense_until, steps) + 1)
    parts = [dense, [steps]]
    if steps > dense_until and per_decade > 0:
        lo, hi = np.log10(max(dense_until, 1)), np.log10(steps)
        count = max(int(np.ceil((hi - lo) * per_decade)), 1) + 1
        parts.append(np.round(np.logspace(lo, hi, count)).astype(np.int64))
    if every > 0:
        parts.append(np.arange(0, steps + 1, every))
    grid = np.unique(np.concatenate([np.asarray(p, dtype=np.int64) for p in parts]))
    return grid[(grid >= 0) & (grid <= steps)]


def snapshot_steps(steps: int, requested: list[int] | tuple[int, ...] = ()) -> np.ndarray:
    """Steps at which all weights are saved: the init, the end, and ``requested`` ones
    that fall inside the run."""
    inner = [s for s in requested if 0 < s < steps]
    return np.unique(np.asarray([0, *inner, steps], dtype=np.int64))

"""App. J's data for the ReLU counterexample (Prop. 6): y = x[0], with |x[0]| bounded away
from 0 and the irrelevant inputs x[1:] small.

On such data the 2-layer ReLU network of width 3, W2 = (-1, alpha, 1 - alpha),
W1 = [[-1, 0], [1, (alpha - 1) v], [1, alpha v]], represents y = x[0] exactly for every
alpha in (0, 1) and small enough v, without its first layer having learned the support:
GD's argument for linear networks fails for ReLU. The margin keeps every row's
x[0] away from 0 (the paper asks that x[0] = 0 only at x = 0), the small spread keeps
|<v, x[1:]>| below |x[0]| for the v the experiment uses.

Rows: x[0] = s * U(margin, margin + 1) with a random sign s, x[1:] ~ N(0, spread^2),
drawn from ``numpy.random.default_rng(seed)``; the support is input 0 alone (r = 1).
"""

from __future__ import annotations

import numpy as np

from sgd_support.core.data.store import Dataset

# Builder defaults (kind-specific keys carry no schema default: the schema's comment says why)
MARGIN = 0.5  # |x[0]| >= 0.5: the relevant input is never near the ReLUs' kink at 0
SPREAD = 0.05  # irrelevant inputs 10x smaller than the margin


def draw(
    n: int, d: int, margin: float, spread: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows of the distribution: float32 ``(x, y)`` of shapes (n, d) and (n, 1)."""
    if d < 2:
        raise ValueError(f"need d >= 2 (one relevant and at least one irrelevant input), got d={d}")
    sign = rng.choice(np.array([-1.0, 1.0]), size=n)
    x = np.empty((n, d))
    x[:, 0] = sign * rng.uniform(margin, margin + 1.0, size=n)
    x[:, 1:] = rng.normal(0.0, spread, size=(n, d - 1))
    return x.astype(np.float32), x[:, :1].astype(np.float32)


def generator(cfg: dict) -> dict:
    """The parameters that define the distribution of a ``kind: relu_counterexample``
    entry, with the builder's defaults applied (what online sampling draws from)."""
    return {
        "kind": "relu_counterexample",
        "d": cfg["d"],
        "margin": cfg.get("margin", MARGIN),
        "spread": cfg.get("spread", SPREAD),
    }


def build(cfg: dict) -> Dataset:
    """The Dataset of a ``kind: relu_counterexample`` entry (``n``, ``d``, ``margin``,
    ``spread``, ``seed``)."""
    params = generator(cfg)
    rng = np.random.default_rng(cfg.get("seed", 0))
    x, y = draw(cfg["n"], params["d"], params["margin"], params["spread"], rng)
    support = np.zeros(params["d"], dtype=bool)
    support[0] = True
    return Dataset(x=x, y=y, support=support, generator=params)

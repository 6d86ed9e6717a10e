"""Online sampling (optimizer ``sampling: online``, App. E): every step b fresh rows from
the distribution a stored data set was drawn from, never the stored rows themselves.

A data set of a kind with a known distribution carries its parameters
(``Dataset.generator``, written by the builder). Fresh rows follow the distribution,
not the finite-sample touches of the stored set: synthetic rows are x ~ N(0, I_d),
y = g(x) + noise * eps with eps ~ N(0, 1) per row (the stored set's centring of the
irrelevant columns and its +/- eps pairs are properties of one finite sample, not of
the distribution); relu_counterexample rows are drawn as the builder draws them.

Step ``t``'s rows come from ``numpy.random.default_rng([seed, t, ONLINE])`` (seed: the
run's order seed), so the stream's whole state is the step and a resumed run sees the
rows an uninterrupted one would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sgd_support.core.batches import ONLINE
from sgd_support.core.data import relu_counterexample
from sgd_support.core.data.synthetic import target_values

# Kinds whose builders record their distribution (``Dataset.generator``).
GENERATOR_KINDS = frozenset({"synthetic", "relu_counterexample"})


def fresh_rows(generator: dict, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``count`` new rows of the distribution ``generator`` (a ``Dataset.generator``):
    float32 ``(x, y)`` of shapes (count, d) and (count, 1)."""
    kind = generator["kind"]
    if kind == "synthetic":
        x = rng.standard_normal((count, generator["d"]))
        eps = rng.standard_normal(count)
        y = target_values(x, generator["r"], generator["target"]) + generator["noise"] * eps
        return x.astype(np.float32), y.astype(np.float32)[:, None]
    if kind == "relu_counterexample":
        return relu_counterexample.draw(count, generator["d"], generator["margin"], generator["spread"], rng)
    raise ValueError(
        f"no generator for kind {kind!r}; online sampling needs one of {sorted(GENERATOR_KINDS)}"
    )


@dataclass
class OnlineStream:
    """Batches of ``b`` fresh rows of ``generator``, one per step; ``step`` taken."""

    generator: dict
    b: int
    seed: int
    step: int = 0

    def __post_init__(self) -> None:
        if self.generator is None:
            raise ValueError(
                "sampling online needs a data set that records its distribution (kinds "
                f"{', '.join(sorted(GENERATOR_KINDS))}, built by this version): rebuild the data set"
            )

    def take(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The next ``k`` batches as ``(x, y, offsets)``: batch ``j`` is rows
        ``offsets[j]:offsets[j + 1]`` of x (k b x d) and y (k b x 1)."""
        drawn = [
            fresh_rows(self.generator, self.b, np.random.default_rng([self.seed, t, ONLINE]))
            for t in range(self.step, self.step + k)
        ]
        self.step += k
        x = np.concatenate([x for x, _ in drawn])
        y = np.concatenate([y for _, y in drawn])
        return x, y, np.arange(k + 1, dtype=np.int64) * self.b

    def state(self) -> dict:
        return {"step": self.step}

    def restore(self, state: dict) -> None:
        self.step = state["step"]

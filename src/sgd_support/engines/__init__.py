"""Training engines. Each implements the same small interface:

``step_full(k)``, ``step_batches(indices, offsets)``, ``evaluate()``,
``weights()``, ``set_weights(ws)``, ``describe()``. The PyTorch engine defines
the semantics; faster engines are tested against it.
"""

from __future__ import annotations

ENGINES = ("auto", "torch")


def make_engine(name: str, data, weights, **hyper):
    """Build engine ``name`` ("auto" picks the best available for this run)."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; allowed: {', '.join(ENGINES)}")
    from sgd_support.engines.torch_engine import TorchEngine

    return TorchEngine(data, weights, **hyper)

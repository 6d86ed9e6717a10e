"""Training engines. Each implements the same small interface:

``step_full(k)``, ``step_batches(indices, offsets)``, ``evaluate()``,
``weights()``, ``set_weights(ws)``, ``describe()``. The PyTorch engine defines
the semantics; faster engines are tested against it.
"""

from __future__ import annotations

ENGINES = ("auto", "torch", "numba")

# "auto" runs MLPs up to this many weights on the numba engine: there a step is a
# few microseconds to milliseconds on one core, far below a GPU's or torch's
# per-step overhead. Larger models (MNIST's 784 -> 1024 -> 128 -> 10: 0.8M weights)
# belong to torch, whose BLAS kernels and GPUs pay off at that size.
NUMBA_MAX_WEIGHTS = 65_536


def pick_engine(name: str, n_weights: int, *, activation: str, loss: str, device: str = "auto") -> str:
    """The engine that ``name`` resolves to for a model of ``n_weights`` weights ("auto":
    numba for small MSE MLPs on the CPU, torch for everything else). Needs no
    weights, so the workflow can ask it at parse time (``sgd_support.sweep.placement``)."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; allowed: {', '.join(ENGINES)}")
    if name != "auto":
        return name
    small = n_weights <= NUMBA_MAX_WEIGHTS
    fits = loss == "mse" and activation in ("identity", "relu") and device in ("auto", "cpu")
    return "numba" if small and fits else "torch"


def make_engine(name: str, data, weights, **hyper):
    """Build engine ``name`` ("auto" picks the best available for this run).

    Only the chosen engine's module is imported, so a numba run never imports torch.
    """
    chosen = pick_engine(
        name,
        sum(w.size for w in weights),
        activation=hyper["activation"],
        loss=hyper["loss"],
        device=hyper.get("device", "auto"),
    )
    if chosen == "numba":
        from sgd_support.engines.numba_engine import NumbaEngine

        return NumbaEngine(data, weights, **hyper)
    from sgd_support.engines.torch_engine import TorchEngine

    return TorchEngine(data, weights, **hyper)

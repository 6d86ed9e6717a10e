"""Training engines. Each implements the same small interface:

``step_full(k)``, ``step_batches(indices, offsets)``, ``evaluate()``,
``weights()``, ``set_weights(ws)``, ``describe()``. The PyTorch engine defines
the semantics; faster engines are tested against it.
"""

from __future__ import annotations

ENGINES = ("auto", "torch", "numba", "linear")

# "auto" runs MLPs up to this many weights on the numba engine: there a step is a
# few microseconds to milliseconds on one core, far below a GPU's or torch's
# per-step overhead. Larger models (MNIST's 784 -> 1024 -> 128 -> 10: 0.8M weights)
# belong to torch, whose BLAS kernels and GPUs pay off at that size.
NUMBA_MAX_WEIGHTS = 65_536
# "auto" trains those of them with identity activations (linear networks) on the
# linear engine (engines/linear.py: through the end-to-end matrix) at full batch and
# at mini-batches of at least this many rows. Measured per step on the 15 -> 15 -> 15
# -> 15 -> 1 network, 10,000 rows, one core (benchmarks/linear_engine.py): GD ~500x
# faster than numba's; SGD 0.7x at b=1, 0.9x at 2, 1.3x at 4-8, 1.6x at 32, 3.2x at
# 128, 5.6x at 512. From b=32 on it pays clearly; below, numba keeps the runs.
LINEAR_MIN_BATCH = 32
# What pick_engine assumes when the caller cannot tell a run's batch size.
UNKNOWN = "unknown"


def torch_only_keys(run: dict) -> list[str]:
    """The config keys that ``run`` (a RunSpec's fields, ``vars(spec)``) turns on and
    only the torch engine implements: the optimizer's label noise, momentum (nesterov
    needs it), adam and online sampling (steps on fresh rows, ``TorchEngine.step_arrays``),
    and the model's diagonal structure (its structural zeros kept by a gradient mask).
    Plain SGD on an MLP, what every engine runs, turns on none."""
    on = {
        "label_noise": run["label_noise"] > 0,
        "momentum": run["momentum"] > 0,
        "adam": run["adam"] is not None,
        "sampling": run["sampling"] == "online",
        "structure": run["structure"] != "dense",
    }
    return [key for key, used in on.items() if used]


def pick_engine(
    name: str,
    n_weights: int,
    *,
    activation: str,
    loss: str,
    device: str = "auto",
    batch: int | None | str = UNKNOWN,
    torch_only: list[str] | tuple[str, ...] = (),
) -> str:
    """The engine that ``name`` resolves to for a model of ``n_weights`` weights ("auto":
    torch where the run uses ``torch_only`` keys (``torch_only_keys``), linear for small
    MSE linear networks on the CPU at full ``batch`` (None) or from LINEAR_MIN_BATCH
    rows, numba for the other small MSE MLPs on the CPU, torch for everything else; a
    caller that cannot tell the batch gets numba where linear might also apply). Needs
    no weights, so the workflow can ask it at parse time (``sgd_support.sweep.placement``).
    A forced engine other than torch with ``torch_only`` keys is a ValueError naming the
    first (``sweep.validation`` refuses such a config before any job)."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; allowed: {', '.join(ENGINES)}")
    if torch_only and name not in ("auto", "torch"):
        raise ValueError(f"engine {name} does not implement {torch_only[0]}: use engine torch or auto")
    if name != "auto":
        return name
    if torch_only:
        return "torch"
    small = n_weights <= NUMBA_MAX_WEIGHTS
    fits = loss == "mse" and activation in ("identity", "relu") and device in ("auto", "cpu")
    if not (small and fits):
        return "torch"
    pays = batch is None or (isinstance(batch, int) and batch >= LINEAR_MIN_BATCH)
    return "linear" if activation == "identity" and pays else "numba"


def make_engine(
    name: str,
    data,
    weights,
    batch: int | None | str = UNKNOWN,
    update: dict | None = None,
    torch_only: list[str] | tuple[str, ...] = (),
    masks=None,
    **hyper,
):
    """Build engine ``name`` ("auto" picks the best available for this run, whose
    mini-batch size is ``batch``: None for full batch). ``update``: the optimizer's
    keys beyond plain SGD (label_noise, momentum, nesterov, adam, noise_seed), handed
    to the torch engine, the only one implementing them (None: plain SGD).
    ``torch_only``: the run's keys only torch implements (``torch_only_keys``).
    ``masks``: per layer, 0 on the structural zeros of a diagonal network
    (``models.structural_masks``; None: dense), for the torch engine.

    Only the chosen engine's module is imported, so a numba run never imports torch.
    """
    chosen = pick_engine(
        name,
        sum(w.size for w in weights),
        activation=hyper["activation"],
        loss=hyper["loss"],
        device=hyper.get("device", "auto"),
        batch=batch,
        torch_only=torch_only,
    )
    if chosen == "linear":
        from sgd_support.core.engines.linear import LinearEngine

        return LinearEngine(data, weights, batch=batch, **hyper)
    if chosen == "numba":
        from sgd_support.core.engines.numba_engine import NumbaEngine

        return NumbaEngine(data, weights, **hyper)
    from sgd_support.core.engines.torch_engine import TorchEngine

    return TorchEngine(data, weights, masks=masks, **hyper, **(update or {}))

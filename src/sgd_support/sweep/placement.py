"""Which training jobs ask a cluster for a GPU: those whose engine runs on one.

The engine is known before any data is built: ``training.engine`` and, for
``auto``, the model's size, activation and loss (:func:`~sgd_support.core.engines.pick_engine`),
with the data set's input and output sizes from its kind. A job asks for a GPU
when its engine is torch (which uses CUDA where there is one) and its data set kind
is in ``GPU_KINDS``; the numba engine runs on the CPU only, so a small MLP on digits
asks for none even though digits is an image kind.
"""

from __future__ import annotations

from sgd_support.core.data.registry import GPU_KINDS, io_sizes
from sgd_support.core.engines import pick_engine, torch_only_keys
from sgd_support.core.models import model_shapes
from sgd_support.sweep.runs import run_spec


def model_weights(config: dict, dataset: str, model: str) -> int:
    """Number of weights of ``model`` on ``dataset`` (inputs and outputs from its kind)."""
    inputs, outputs = io_sizes(config["datasets"][dataset], config["datasets"])
    return sum(o * i for o, i in model_shapes(inputs, config["models"][model], outputs))


def run_uses_gpu(config: dict, run: dict[str, str]) -> bool:
    """Whether the run with coordinates ``run`` (dataset, model, optimizer, lr, batch,
    init, order) trains on an engine that uses a GPU, so its job should request one."""
    kind = config["datasets"][run["dataset"]]["kind"]
    if kind not in GPU_KINDS:
        return False
    spec = run_spec(config, run)
    n_weights = model_weights(config, run["dataset"], run["model"])
    engine = pick_engine(
        spec.engine,
        n_weights,
        activation=spec.activation,
        loss=spec.loss,
        torch_only=torch_only_keys(vars(spec)),
    )
    return engine_uses_gpu(kind, engine)


def engine_uses_gpu(kind: str, engine: str) -> bool:
    """Whether a run of data set ``kind`` on ``engine`` uses a GPU where one is given:
    torch on a kind in ``GPU_KINDS`` (the numba engine runs on the CPU only)."""
    return kind in GPU_KINDS and engine == "torch"


def gpu_datasets(config: dict, runs: list[dict[str, str]]) -> set[str]:
    """Data sets with at least one run that requests a GPU: their training jobs go to
    the GPU rule (``train_run_gpu``), which asks for one per job where the run does."""
    return {run["dataset"] for run in runs if run_uses_gpu(config, run)}


def group_engine(config: dict, runs: list[dict[str, str]]) -> str:
    """How a group job (``training.group: cell``) trains ``runs``, as
    :func:`sgd_support.core.group.lockstep_engine` decides it on a node without CUDA:
    "ensemble" (torch, all runs in lockstep) where their engine is torch, "sequential"
    (one run after another on its own CPU engine) otherwise, and where a run's update
    is one the ensemble lacks (label noise, momentum, adam). With
    ``training.group_device: cuda`` the runs' engine is torch (``config.run_spec``)."""
    run = runs[0]
    spec = run_spec(config, run)
    if any(torch_only_keys(vars(run_spec(config, r))) for r in runs):
        return "sequential"  # the ensemble lacks their update or model (group.lockstep_engine)
    n_weights = model_weights(config, run["dataset"], run["model"])
    engine = pick_engine(spec.engine, n_weights, activation=spec.activation, loss=spec.loss)
    return "ensemble" if engine == "torch" else "sequential"


def group_uses_gpu(config: dict, runs: list[dict[str, str]]) -> bool:
    """Whether a group job asks for a GPU: always with ``training.group_device: cuda``
    (its ensemble runs there), else where one of its runs' engines uses one."""
    if config["training"].get("group_device") == "cuda":
        return True
    return any(run_uses_gpu(config, run) for run in runs)

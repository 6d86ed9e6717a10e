"""From the workflow config to runs: the sweep's coordinates, each run's spec and the
groups of runs trained together (``training.group: cell``).

A run is identified by seven coordinates, the Hive partitions of its output folder
(:mod:`sgd_support.reporting.run_paths`): dataset, model, optimizer, lr, batch, init
(init seed), order (batch-order seed). Full-batch optimizers have ``batch=full`` and
only ``order=0`` (their trajectory does not depend on a batch order).

This is the sweep's side, outside the training code hash (``core.provenance.TRAINING_CODE``):
what a run computes reaches its job through its paths and its spec (the rules' params),
so editing how runs are expanded or grouped reruns only the jobs whose runs change.
The config has its schema's defaults filled in (Snakemake's ``validate``, or
``sweep.config_check.load_config``): nothing here supplies a default.
"""

from __future__ import annotations

from sgd_support.core.training import RunSpec
from sgd_support.reporting.run_paths import FULL, GROUP_NAME, format_lr


def is_full_batch(optimizer: dict) -> bool:
    return optimizer.get("batch") == FULL


def sweep_runs(config: dict, sweep: dict) -> list[dict[str, str]]:
    """The coordinates (all strings) of every run of one sweep."""
    runs = []
    for dataset in sweep["datasets"]:
        for model in sweep["models"]:
            for opt_name in sweep["optimizers"]:
                optimizer = config["optimizers"][opt_name]
                if is_full_batch(optimizer):
                    batches, orders = [FULL], [0]
                else:
                    batches, orders = optimizer.get("batches", sweep["batches"]), sweep["order_seeds"]
                for lr in sweep["lrs"]:
                    for batch in batches:
                        for init in sweep["init_seeds"]:
                            for order in orders:
                                runs.append(
                                    {
                                        "dataset": dataset,
                                        "model": model,
                                        "optimizer": opt_name,
                                        "lr": format_lr(lr),
                                        "batch": str(batch),
                                        "init": str(init),
                                        "order": str(order),
                                    }
                                )
    return runs


def expand_runs(config: dict, sweeps: list[str] | None = None) -> list[dict[str, str]]:
    """Every run of the config's sweeps (or of the named ones), each listed once."""
    seen: dict[tuple, dict[str, str]] = {}
    for name, sweep in config["sweeps"].items():
        if sweeps is None or name in sweeps:
            for run in sweep_runs(config, sweep):
                seen.setdefault(tuple(run.values()), run)
    return list(seen.values())


def run_spec(config: dict, run: dict[str, str]) -> RunSpec:
    """The RunSpec of the run with coordinates ``run`` (config: defaults filled)."""
    optimizer = config["optimizers"][run["optimizer"]]
    model = config["models"][run["model"]]
    training, recording = config["training"], config["recording"]
    # an optimizer may override the clip (the toy model's closed forms need none), a
    # model the loss: keys without a schema default, absent unless overridden
    clip = optimizer["clip_grad_norm"] if "clip_grad_norm" in optimizer else training["clip_grad_norm"]
    loss = model["loss"] if "loss" in model else training["loss"]
    return RunSpec(
        lr=float(run["lr"]),
        batch=None if run["batch"] == FULL else int(run["batch"]),
        steps=int(optimizer["steps"]),
        weight_decay=float(optimizer["weight_decay"]),
        label_noise=float(optimizer["label_noise"]),
        momentum=float(optimizer["momentum"]),
        nesterov=bool(optimizer["nesterov"]),
        adam=adam_settings(optimizer),
        clip=float(clip) if clip else None,
        order_seed=int(run["order"]),
        shuffle=bool(optimizer["shuffle"]),
        sampling=optimizer["sampling"],
        activation=model["activation"],
        structure=model["structure"],
        loss=loss,
        dense_until=recording["dense_until"],
        per_decade=recording["per_decade"],
        every=recording["every"],
        snapshots=[int(s) for s in recording["snapshots"]],
        param_columns=int(recording["param_columns"]),
        divergence_bound=float(training["divergence_bound"]),
        engine=group_engine_name(training),
    )


def adam_settings(optimizer: dict) -> dict | None:
    """The optimizer's ``adam`` entry as the engine takes it (betas as a list of floats;
    the schema filled its defaults), or None for SGD (no ``adam`` key: it has no default)."""
    if "adam" not in optimizer:
        return None
    adam = optimizer["adam"]
    return {
        "betas": [float(b) for b in adam["betas"]],
        "eps": float(adam["eps"]),
        "decoupled": bool(adam["decoupled"]),
    }


def train_groups(runs: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """The training groups of ``training.group: cell``: runs trained together in one
    job, one group per (dataset, model, batch) (one ensemble: every member takes
    equally many rows per step), named ``dataset=D/model=M/batch=B``; members in the
    order of ``runs``. ("Group" means this and only this in the package.)"""
    groups: dict[str, list[dict[str, str]]] = {}
    for run in runs:
        name = GROUP_NAME.format(**run)
        groups.setdefault(name, []).append(run)
    return groups


def group_engine_name(training: dict) -> str:
    """The runs' engine: ``training.engine``, except that ``training.group_device: cuda``
    makes "auto" torch, so that each group trains as one ensemble on its GPU node
    (``group.lockstep_engine``; on a node without CUDA the ensemble runs on its CPU)."""
    engine = training["engine"]
    if training["group"] == "cell" and training["group_device"] == "cuda" and engine == "auto":
        return "torch"
    return engine

"""From the workflow config to runs: the sweep's coordinates and each run's spec.

A run is identified by seven coordinates, the Hive partitions of its output
folder: dataset, model, optimizer, lr, batch, init (init seed), order (batch-order
seed). Full-batch optimizers have ``batch=full`` and only ``order=0`` (their
trajectory does not depend on a batch order).
"""

from __future__ import annotations

from dataclasses import fields

from sgd_support.training import RunSpec

FULL = "full"


def format_lr(lr: float) -> str:
    """The lr as it appears in paths: shortest round-trip form (0.1, 0.5, 1e-05)."""
    return repr(float(lr))


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
    """The RunSpec of the run with coordinates ``run``."""
    optimizer = config["optimizers"][run["optimizer"]]
    model = config["models"][run["model"]]
    training, recording = config["training"], config["recording"]
    # an optimizer may override the clip (the toy model's closed forms need none)
    clip = optimizer.get("clip_grad_norm", training.get("clip_grad_norm"))
    spec = RunSpec(
        lr=float(run["lr"]),
        batch=None if run["batch"] == FULL else int(run["batch"]),
        steps=int(optimizer["steps"]),
        weight_decay=float(optimizer.get("weight_decay", 0.0)),
        clip=float(clip) if clip else None,
        order_seed=int(run["order"]),
        shuffle=bool(optimizer.get("shuffle", True)),
        activation=model.get("activation", "identity"),
        loss=model.get("loss", training.get("loss", "mse")),
        dense_until=recording["dense_until"],
        per_decade=recording["per_decade"],
        every=recording.get("every", 0),
        snapshots=[int(s) for s in recording.get("snapshots", [])],
        param_columns=int(recording.get("param_columns", 16)),
        divergence_bound=float(training.get("divergence_bound", 1e6)),
        engine=group_engine_name(training),
    )
    return spec


def group_engine_name(training: dict) -> str:
    """The runs' engine: ``training.engine``, except that ``training.group_device: cuda``
    makes "auto" torch, so that each group trains as one ensemble on its GPU node
    (``group.lockstep_engine``; on a node without CUDA the ensemble runs on its CPU)."""
    engine = training.get("engine", "auto")
    if training.get("group") == "cell" and training.get("group_device") == "cuda" and engine == "auto":
        return "torch"
    return engine


def spec_from_dict(values: dict) -> RunSpec:
    """Rebuild a RunSpec from its dict form (as passed to the training CLI)."""
    known = {f.name for f in fields(RunSpec)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown run spec keys: {sorted(unknown)}")
    return RunSpec(**values)


def train_groups(runs: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """Runs trained together under ``training.group: cell``: one group per (dataset,
    model, batch) (one ensemble: every member takes equally many rows per step),
    named ``dataset=D/model=M/batch=B``; members in the order of ``runs``."""
    groups: dict[str, list[dict[str, str]]] = {}
    for run in runs:
        name = "dataset={dataset}/model={model}/batch={batch}".format(**run)
        groups.setdefault(name, []).append(run)
    return groups

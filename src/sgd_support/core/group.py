"""Groups of runs trained in one process: which runs step together, and the group's job.

A group is runs of one data set and architecture (any lrs, weight decays, clips,
init and order seeds, step counts). Its runs are split by batch size into
ensembles (``engines/ensemble.py``: members must take equally many rows every
step), each trained by ``training.train_members``, the loop that trains a single run
too. Where the runs would train on the numba engine (``engine: auto`` on a machine
without CUDA, or ``engine: numba``) they run one after another in this process
instead, bit for bit as per-run jobs (and so do runs whose update the ensemble
lacks: label noise, momentum, adam, each on the single-run torch engine): measured,
the torch ensemble is slower per step on a CPU core than numba at every mini-batch
size (0.4-0.6x at its best K; benchmarks/ensemble_speed.py), and what a group saves
there is the per-job process start (1.75 CPU-s).

Each member's final state is saved the moment it finishes, to its own checkpoint
file (the path a per-run job would use), and a rerun after a kill takes it from
there instead of training it again; an ensemble's unfinished members resume from
the ensemble's checkpoint. All of them are deleted once the group's files are written.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from sgd_support.core.data.store import Dataset, load_dataset
from sgd_support.core.engines import pick_engine, torch_only_keys
from sgd_support.core.models import load_weights
from sgd_support.core.storage import write_run
from sgd_support.core.training import MAX_CHUNK, RunResult, RunSpec, spec_from_dict, train, train_members

log = logging.getLogger("sgd_support.core.group")

# Fields that members of one ensemble must share (the engine's shapes and arithmetic).
SHARED = ("batch", "sampling", "activation", "loss", "device", "threads")


def ensembles(specs: list[RunSpec]) -> list[list[int]]:
    """Indices of ``specs`` split into ensembles: one per batch size (full batch too),
    in the order first seen. Runs of different batch sizes cannot share a step exactly."""
    by_key: dict[tuple, list[int]] = {}
    for i, spec in enumerate(specs):
        by_key.setdefault(tuple(getattr(spec, f) for f in SHARED), []).append(i)
    return list(by_key.values())


def lockstep_engine(spec: RunSpec, init: list[np.ndarray]) -> str:
    """How a group of runs like ``spec`` trains: "ensemble" (torch, in lockstep) or
    "sequential" (one run after another, each on its own engine: numba, or torch for
    the keys below; ``sweep.placement.group_engine`` says the same at parse time).
    ``engine: auto`` picks the ensemble where CUDA is present or where a single run
    would take the torch engine. A run whose update or model the ensemble lacks (label
    noise, momentum, adam, online sampling, a diagonal network: ``torch_only_keys``)
    trains one after another, on the single-run torch engine."""
    if torch_only_keys(vars(spec)):
        return "sequential"
    if spec.engine != "auto":
        return "ensemble" if spec.engine == "torch" else "sequential"
    chosen = pick_engine(
        "auto", sum(w.size for w in init), activation=spec.activation, loss=spec.loss, device=spec.device
    )
    if chosen == "numba" and spec.device == "auto":
        import torch  # once per group: a GPU makes the ensemble worth it even for numba-sized MLPs

        return "ensemble" if torch.cuda.is_available() else "sequential"
    return "sequential" if chosen == "numba" else "ensemble"


def train_group(
    data: Dataset,
    inits: list[list[np.ndarray]],
    specs: list[RunSpec],
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every_s: float = 300.0,
    finished: list | None = None,
) -> list[RunResult]:
    """Train every run of the group (``inits[i]``, ``specs[i]``); results in input order.

    ``finished[i]``: run i's own checkpoint file, where its final state is saved when
    it finishes (and its checkpoints on the numba path); by default, with
    ``checkpoint`` set, ``<checkpoint>.r<i>.npz``. Ensemble j checkpoints to
    ``<checkpoint>.e<j>.npz``."""
    if finished is None:
        finished = [None if checkpoint is None else f"{checkpoint}.r{i}.npz" for i in range(len(specs))]
    if any(lockstep_engine(spec, init) == "sequential" for spec, init in zip(specs, inits)):
        return [
            train(data, init, spec, path, checkpoint_every_s, keep_finished=path is not None)
            for init, spec, path in zip(inits, specs, finished)
        ]
    results: list[RunResult | None] = [None] * len(specs)
    for j, members in enumerate(ensembles(specs)):
        log.info("ensemble %d: %d runs, batch %s", j, len(members), specs[members[0]].batch)
        trained = train_ensemble(
            data,
            [inits[i] for i in members],
            [specs[i] for i in members],
            checkpoint=None if checkpoint is None else f"{checkpoint}.e{j}.npz",
            checkpoint_every_s=checkpoint_every_s,
            finished=[finished[i] for i in members],
        )
        for i, result in zip(members, trained):
            results[i] = result
    return results


def train_ensemble(
    data: Dataset,
    inits: list[list[np.ndarray]],
    specs: list[RunSpec],
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every_s: float = 300.0,
    max_chunk: int = MAX_CHUNK,
    finished: list | None = None,
) -> list[RunResult]:
    """Train runs that share ``SHARED`` fields in lockstep on the ensemble engine; one
    RunResult per run, each what ``training.train`` computes for it alone (up to float
    rounding). Checkpoints and ``finished`` as ``training.train_members``."""
    from sgd_support.core.engines.ensemble import EnsembleEngine

    if len(ensembles(specs)) != 1:
        raise ValueError(f"an ensemble's runs must share {', '.join(SHARED)}")
    for spec in specs:
        if keys := torch_only_keys(vars(spec)):
            raise ValueError(f"the ensemble engine does not implement {keys[0]}: train such runs one by one")
    first = specs[0]
    engine = EnsembleEngine(
        data,
        [[w.copy() for w in init] for init in inits],
        activation=first.activation,
        loss=first.loss,
        lr=[s.lr for s in specs],
        weight_decay=[s.weight_decay for s in specs],
        clip=[s.clip for s in specs],
        device=first.device,
        threads=first.threads,
    )
    return train_members(engine, data, inits, specs, checkpoint, checkpoint_every_s, max_chunk, finished)


def run_group(
    data: str,
    name: str,
    members: list[dict],
    checkpoint: str | None = None,
    checkpoint_every_s: float = 300.0,
) -> None:
    """The job of a group (``workflow/scripts/train_group.py``): train ``members`` and
    write each one's Parquet files, the same as per-run jobs write plus the metadata
    key ``group`` (name, size, member index).

    Each member is ``{"init": I.npz, "run": {"spec": ..., "config": ...}, "trajectory":
    T.parquet, "weights": W.parquet, "checkpoint": C.npz}`` (per run what
    ``cli.train`` takes). The outputs are written after all runs have trained, each
    file atomically; the checkpoints (the members' and ``<checkpoint>.*.npz``) are
    deleted only after the last write."""
    specs = [spec_from_dict(m["run"]["spec"]) for m in members]
    inits = [load_weights(m["init"]) for m in members]
    finished = None
    if checkpoint:
        finished = [m.get("checkpoint", f"{checkpoint}.r{i}.npz") for i, m in enumerate(members)]
    results = train_group(load_dataset(data), inits, specs, checkpoint, checkpoint_every_s, finished)
    for i, (member, result) in enumerate(zip(members, results)):
        group = {"name": name, "size": len(members), "member": i}
        write_run(result, member["run"], member["trajectory"], member["weights"], group=group)
    if checkpoint:
        for path in [*Path(checkpoint).parent.glob(Path(checkpoint).name + ".*.npz"), *finished]:
            Path(path).unlink(missing_ok=True)
    logging.info(
        "done: group %s, %d runs (%d diverged) in %.1f s",
        name,
        len(results),
        sum(r.status == "diverged" for r in results),
        max(r.wall_time_s for r in results),
    )

"""The training driver for a group of runs: one ensemble per batch size, in lockstep.

A group is runs of one data set and architecture (any lrs, weight decays, clips,
init and order seeds, step counts). Its runs are split by batch size into
ensembles (``engines/ensemble.py``: members must take equally many rows every
step). Where the runs would train on the numba engine (``engine: auto`` on a
machine without CUDA, or ``engine: numba``) they run one after another in this
process instead, bit for bit as per-run jobs: measured, the torch ensemble is
slower per step on a CPU core than numba at every mini-batch size (0.4-0.6x at its
best K; benchmarks/ensemble_speed.py), and what a group saves there is the per-job
process start (1.75 CPU-s). Each ensemble is trained by
``train_ensemble``, which does for K runs
what ``training.train`` does for one: each member's own batch order
(``BatchStream`` from its seed), its own record grid and snapshots, divergence
(a diverged member is frozen and marked, the others go on), a member past its last
step frozen, and a checkpoint of the whole ensemble every ``checkpoint_every_s``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time

import numpy as np

from sgd_support import checkpoint_file
from sgd_support.batches import BatchStream
from sgd_support.data.store import Dataset
from sgd_support.engines import pick_engine
from sgd_support.grid import record_steps, snapshot_steps
from sgd_support.recording import is_diverged, param_columns, weight_metrics
from sgd_support.training import MAX_CHUNK, Progress, RunResult, RunSpec, _run_key, train

log = logging.getLogger("sgd_support.group")

# Batch-index elements (K x b x steps) handed to the engine per call at most: 16 MB of
# int64 whatever K and b (a step's indices alone may exceed it at K = 1,000, b = 512).
MAX_INDEX_ELEMENTS = 1 << 21
# Fields that members of one ensemble must share (the engine's shapes and arithmetic).
SHARED = ("batch", "activation", "loss", "device", "threads")


def ensembles(specs: list[RunSpec]) -> list[list[int]]:
    """Indices of ``specs`` split into ensembles: one per batch size (full batch too),
    in the order first seen. Runs of different batch sizes cannot share a step exactly."""
    by_key: dict[tuple, list[int]] = {}
    for i, spec in enumerate(specs):
        by_key.setdefault(tuple(getattr(spec, f) for f in SHARED), []).append(i)
    return list(by_key.values())


def lockstep_engine(spec: RunSpec, init: list[np.ndarray]) -> str:
    """How a group of runs like ``spec`` trains: "ensemble" (torch, in lockstep) or
    "numba" (one run after another). ``engine: auto`` picks the ensemble where CUDA
    is present or where a single run would take the torch engine."""
    if spec.engine != "auto":
        return "ensemble" if spec.engine == "torch" else "numba"
    chosen = pick_engine(
        "auto", sum(w.size for w in init), activation=spec.activation, loss=spec.loss, device=spec.device
    )
    if chosen == "numba" and spec.device == "auto":
        import torch  # once per group: a GPU makes the ensemble worth it even for numba-sized MLPs

        return "ensemble" if torch.cuda.is_available() else "numba"
    return "numba" if chosen == "numba" else "ensemble"


def train_group(
    data: Dataset,
    inits: list[list[np.ndarray]],
    specs: list[RunSpec],
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every_s: float = 300.0,
) -> list[RunResult]:
    """Train every run of the group (``inits[i]``, ``specs[i]``); results in input order.
    With ``checkpoint`` set, ensemble j checkpoints to ``<checkpoint>.e<j>.npz`` (run i
    of a numba group to ``<checkpoint>.r<i>.npz``)."""
    results: list[RunResult | None] = [None] * len(specs)
    if lockstep_engine(specs[0], inits[0]) == "numba":
        for i, (init, spec) in enumerate(zip(inits, specs)):
            path = None if checkpoint is None else f"{checkpoint}.r{i}.npz"
            results[i] = train(data, init, spec, checkpoint=path, checkpoint_every_s=checkpoint_every_s)
        return results
    for j, members in enumerate(ensembles(specs)):
        path = None if checkpoint is None else f"{checkpoint}.e{j}.npz"
        log.info("ensemble %d: %d runs, batch %s", j, len(members), specs[members[0]].batch)
        trained = train_ensemble(
            data,
            [inits[i] for i in members],
            [specs[i] for i in members],
            checkpoint=path,
            checkpoint_every_s=checkpoint_every_s,
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
) -> list[RunResult]:
    """Train runs that share ``SHARED`` fields in lockstep; one RunResult per run, each
    what ``training.train`` computes for it alone (up to float rounding). The
    checkpoint is resumed only by the same specs, code, data and inits."""
    from sgd_support.engines.ensemble import EnsembleEngine

    if len(ensembles(specs)) != 1:
        raise ValueError(f"an ensemble's runs must share {', '.join(SHARED)}")
    first, k = specs[0], len(specs)
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
    streams = None
    if first.batch is not None:
        streams = [BatchStream(data.n, s.batch, s.order_seed, shuffle=s.shuffle) for s in specs]
        max_chunk = max(1, min(max_chunk, MAX_INDEX_ELEMENTS // (k * first.batch)))
    grids = [set(record_steps(s.steps, s.dense_until, s.per_decade, s.every).tolist()) for s in specs]
    snaps = [set(snapshot_steps(s.steps, s.snapshots).tolist()) for s in specs]
    key = _ensemble_key(specs, data, inits) if checkpoint else ""
    state = _load(checkpoint, key, k)
    if state is None:
        rows, snapshots, step, elapsed = [[] for _ in specs], [[] for _ in specs], 0, 0.0
        status, diverged_step, batch_loss = ["completed"] * k, [None] * k, np.full(k, np.nan)
    else:
        rows, snapshots, step, elapsed = state["rows"], state["snapshots"], state["step"], state["elapsed"]
        status, diverged_step = state["status"], state["diverged_step"]
        batch_loss = np.array([r[-1]["batch_loss"] for r in rows])
        engine.set_weights(state["weights"])
        for stream, saved in zip(streams or [], state["streams"]):
            stream.restore(saved)
        log.info("resumed ensemble from checkpoint at step %d", step)
    for m, spec in enumerate(specs):  # frozen members stay frozen after a resume
        if status[m] == "diverged" or step >= spec.steps:
            engine.freeze(m)
    total = max(s.steps for s in specs)
    progress, t0, last_ckpt = Progress(total, step), time.monotonic(), time.monotonic()

    def record(at: int) -> None:
        due = [m for m in range(k) if at in grids[m] and status[m] == "completed" and at <= specs[m].steps]
        if not due:
            return
        weights, metrics = engine.weights(), engine.evaluate()
        for m in due:
            spec = specs[m]
            rows[m].append(
                {
                    "step": at,
                    "batch_loss": float(batch_loss[m]),
                    **metrics[m],
                    **weight_metrics(weights[m], data.support),
                    **param_columns(weights[m], spec.param_columns),
                }
            )
            if at in snaps[m]:
                snapshots[m].append((at, weights[m]))
            if is_diverged(metrics[m], weights[m], spec.divergence_bound):
                status[m], diverged_step[m] = "diverged", at
                log.warning("run %d of the ensemble diverged at step %d", m, at)
                if snapshots[m][-1][0] != at:
                    snapshots[m].append((at, weights[m]))  # the state the run stopped in
            if status[m] == "diverged" or at == spec.steps:
                engine.freeze(m)

    if step == 0:
        record(0)
    targets = sorted(set().union(*grids))
    for target in [t for t in targets if t > step]:
        if all(s != "completed" or step >= spec.steps for s, spec in zip(status, specs)):
            break  # every member diverged or done
        while step < target:
            n = int(min(target - step, max_chunk))
            if streams is None:
                batch_loss = engine.step_full(n)
            else:
                batch_loss = engine.step_batches(*_take(streams, n))
            step += n
            progress.update(
                step, float(np.nanmedian(batch_loss)) if np.isfinite(batch_loss).any() else np.nan
            )
        record(target)
        if checkpoint and time.monotonic() - last_ckpt > checkpoint_every_s and step < total:
            _save(
                checkpoint,
                key,
                engine,
                streams,
                rows,
                snapshots,
                status,
                diverged_step,
                step,
                elapsed + time.monotonic() - t0,
            )
            last_ckpt = time.monotonic()
    wall = elapsed + time.monotonic() - t0
    described = {**engine.describe(), "ensemble_size": k}
    return [
        RunResult(
            rows[m], snapshots[m], status[m], diverged_step[m], wall, int(rows[m][-1]["step"]), described
        )
        for m in range(k)
    ]


def _take(streams: list[BatchStream], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The next ``n`` batches of every member: indices (K, total) and the shared offsets
    (equal batch sizes on equal data make every member's offsets the same)."""
    taken = [stream.take(n) for stream in streams]
    return np.stack([indices for indices, _ in taken]), taken[0][1]


def _ensemble_key(specs, data, inits) -> str:
    digest = hashlib.sha256()
    for spec, init in zip(specs, inits):
        digest.update(_run_key(spec, data, init).encode())
    return digest.hexdigest()


def _save(path, key, engine, streams, rows, snapshots, status, diverged_step, step, elapsed) -> None:
    meta = {
        "key": key,
        "step": step,
        "elapsed": elapsed,
        "rows": rows,
        "status": status,
        "diverged_step": diverged_step,
        "streams": [s.state() for s in streams or []],
        "snapshot_steps": [[s for s, _ in member] for member in snapshots],
    }
    arrays = {f"w{i}": np.stack(layer) for i, layer in enumerate(zip(*engine.weights()))}
    for m, member in enumerate(snapshots):
        for j, (_, ws) in enumerate(member):
            arrays.update({f"s{m}_{j}_{i}": w for i, w in enumerate(ws)})
    checkpoint_file.write(path, meta, arrays)


def _load(path, key: str, k: int) -> dict | None:
    loaded = checkpoint_file.read(path, key)
    if loaded is None:
        return None
    meta, arrays = loaded
    layers = [arrays[f"w{i}"] for i in range(sum(1 for name in arrays if name.startswith("w")))]
    meta["weights"] = [[w[m] for w in layers] for m in range(k)]
    meta["snapshots"] = [
        [(s, [arrays[f"s{m}_{j}_{i}"] for i in range(len(layers))]) for j, s in enumerate(steps)]
        for m, steps in enumerate(meta["snapshot_steps"])
    ]
    return meta

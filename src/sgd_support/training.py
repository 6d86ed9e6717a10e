"""The training driver: one run, engine-independent.

It walks the record grid in chunks, asks the engine for the updates in between,
records metrics and weight snapshots, stops a diverging run, logs progress and
writes/reads checkpoints. Engines only do arithmetic; everything a run's output
depends on besides arithmetic (batch order, grid, bookkeeping) lives here once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import asdict, dataclass

import numpy as np

from sgd_support import checkpoint_file
from sgd_support.batches import BatchStream
from sgd_support.data.store import Dataset
from sgd_support.grid import record_steps, snapshot_steps
from sgd_support.provenance import code_hash
from sgd_support.recording import is_diverged, param_columns, weight_metrics

log = logging.getLogger("sgd_support.train")


@dataclass
class RunSpec:
    """Everything that defines one training run besides its data and init weights.

    batch: mini-batch size, or None for full batch (GD). shuffle: False walks the
    samples in order every epoch. clip: global gradient-norm bound (None: off).
    param_columns: record each parameter as a column if the model has at most this
    many. divergence_bound: a run whose |weight| exceeds it is stopped.

    No field of the config has a default here: the schema holds them
    (workflow/schemas/config.schema.yaml) and ``sweep.runs.run_spec`` reads the filled
    config. device and threads are execution settings, not config.
    """

    lr: float
    batch: int | None
    steps: int
    weight_decay: float
    clip: float | None
    order_seed: int
    shuffle: bool
    activation: str
    loss: str
    dense_until: int
    per_decade: int
    every: int
    snapshots: list[int]
    param_columns: int
    divergence_bound: float
    engine: str
    device: str = "auto"
    threads: int = 1


@dataclass
class RunResult:
    rows: list[dict]  # one per recorded step
    snapshots: list[tuple[int, list[np.ndarray]]]
    status: str  # "completed" | "diverged"
    diverged_step: int | None
    wall_time_s: float
    steps_done: int
    engine: dict

    @property
    def steps_per_s(self) -> float:
        return self.steps_done / self.wall_time_s if self.wall_time_s > 0 else float("nan")


class Progress:
    """Logs step, steps/s, ETA and loss every ``interval`` seconds (for ``tail -f``)."""

    def __init__(self, total: int, start_step: int = 0, interval: float = 5.0) -> None:
        self.total, self.start_step, self.interval = total, start_step, interval
        self.start = self.last = time.monotonic()

    def update(self, step: int, loss: float) -> None:
        now = time.monotonic()
        if now - self.last < self.interval and step < self.total:
            return
        self.last = now
        rate = (step - self.start_step) / max(now - self.start, 1e-9)
        eta = (self.total - step) / rate if rate > 0 else float("inf")
        log.info("step %d/%d  %.0f steps/s  ETA %.0f s  loss %.6g", step, self.total, rate, eta, loss)


# Steps per engine call at most: bounds the batch-index arrays a call is handed
# (2,000 x 512 int64 = 8 MB) while keeping Python's per-call cost negligible.
MAX_CHUNK = 2000


def train(
    data: Dataset,
    init: list[np.ndarray],
    spec: RunSpec,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every_s: float = 300.0,
    max_chunk: int = MAX_CHUNK,
) -> RunResult:
    """Train from ``init`` under ``spec``; return the recorded trajectory.

    With ``checkpoint`` set, state is saved there every ``checkpoint_every_s``
    seconds and a run finding a checkpoint of the same spec, code, data and init
    resumes from it; the result is then the same as an uninterrupted run's
    (chunking does not change the arithmetic). The caller deletes the checkpoint
    after writing the result.
    """
    from sgd_support.engines import make_engine

    engine = make_engine(
        spec.engine,
        data,
        [w.copy() for w in init],
        batch=spec.batch,  # "auto" picks by it (engines.pick_engine)
        activation=spec.activation,
        loss=spec.loss,
        lr=spec.lr,
        weight_decay=spec.weight_decay,
        clip=spec.clip,
        device=spec.device,
        threads=spec.threads,
    )
    stream = None
    if spec.batch is not None:
        stream = BatchStream(data.n, spec.batch, spec.order_seed, shuffle=spec.shuffle)
    grid = record_steps(spec.steps, spec.dense_until, spec.per_decade, spec.every)
    snaps = set(snapshot_steps(spec.steps, spec.snapshots).tolist())
    key = _run_key(spec, data, init) if checkpoint else ""
    state = _load_checkpoint(checkpoint, key)
    if state is None:
        rows, snapshots, step, elapsed, batch_loss = [], [], 0, 0.0, float("nan")
    else:
        rows, snapshots, step, elapsed = state["rows"], state["snapshots"], state["step"], state["elapsed"]
        batch_loss = rows[-1]["batch_loss"]
        engine.set_weights(state["weights"])
        if stream is not None:
            stream.restore(state["stream"])
        log.info("resumed from checkpoint at step %d", step)
    status, diverged_step = "completed", None
    progress, t0, last_ckpt = Progress(spec.steps, step), time.monotonic(), time.monotonic()

    def record(at: int, loss: float) -> bool:
        weights = engine.weights()
        metrics = engine.evaluate()
        rows.append(
            {
                "step": at,
                "batch_loss": loss,
                **metrics,
                **weight_metrics(weights, data.support),
                **param_columns(weights, spec.param_columns),
            }
        )
        if at in snaps:
            snapshots.append((at, weights))
        return is_diverged(metrics, weights, spec.divergence_bound)

    if step == 0 and record(0, batch_loss):
        status, diverged_step = "diverged", 0
    for target in grid[grid > step]:
        if status == "diverged":
            break
        while step < target:
            k = int(min(target - step, max_chunk))
            if stream is None:
                batch_loss = engine.step_full(k)
            else:
                batch_loss = engine.step_batches(*stream.take(k))
            step += k
            progress.update(step, batch_loss)
        if record(int(target), batch_loss):
            status, diverged_step = "diverged", int(target)
            log.warning("run diverged at step %d (loss %s)", target, rows[-1]["full_loss"])
        due = time.monotonic() - last_ckpt > checkpoint_every_s
        if checkpoint and due and step < spec.steps and status != "diverged":  # a diverged run ends now
            _save_checkpoint(
                checkpoint, key, engine, stream, rows, snapshots, step, elapsed + time.monotonic() - t0
            )
            last_ckpt = time.monotonic()
    if status == "diverged" and snapshots[-1][0] != step:
        snapshots.append((step, engine.weights()))  # the state the run stopped in
    wall = elapsed + time.monotonic() - t0
    return RunResult(rows, snapshots, status, diverged_step, wall, step, engine.describe())


def _run_key(spec: RunSpec, data: Dataset, init: list[np.ndarray]) -> str:
    """What a checkpoint must match to be resumed: the spec, the package code and the
    bytes of the data and of the init (a data set rebuilt under the same name, or
    edited code, must not continue an old run)."""
    digest = hashlib.sha256(json.dumps(asdict(spec), sort_keys=True).encode())
    digest.update(code_hash().encode())
    for array in (data.x, data.y, *init):
        digest.update(np.ascontiguousarray(array).data)
    return digest.hexdigest()


def _save_checkpoint(path, key, engine, stream, rows, snapshots, step, elapsed) -> None:
    meta = {
        "key": key,
        "step": step,
        "elapsed": elapsed,
        "rows": rows,
        "stream": stream.state() if stream is not None else None,
        "snapshot_steps": [s for s, _ in snapshots],
    }
    arrays = {f"w{i}": w for i, w in enumerate(engine.weights())}
    for j, (_, ws) in enumerate(snapshots):
        arrays.update({f"s{j}_{i}": w for i, w in enumerate(ws)})
    checkpoint_file.write(path, meta, arrays)


def _load_checkpoint(path, key: str) -> dict | None:
    loaded = checkpoint_file.read(path, key)
    if loaded is None:
        return None
    meta, arrays = loaded
    n_layers = sum(1 for k in arrays if k.startswith("w"))
    meta["weights"] = [arrays[f"w{i}"] for i in range(n_layers)]
    meta["snapshots"] = [
        (s, [arrays[f"s{j}_{i}"] for i in range(n_layers)]) for j, s in enumerate(meta["snapshot_steps"])
    ]
    return meta

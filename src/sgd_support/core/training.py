"""The training driver: one loop for one run and for K runs in lockstep.

``train_members`` walks the record grid in chunks, asks the engine for the updates
in between, records metrics and weight snapshots, stops a diverging run, logs
progress and writes/reads checkpoints, for K members at once (a group's ensemble;
one run is K = 1, ``train``). Engines only do arithmetic; everything a run's output
depends on besides arithmetic (batch order, grid, bookkeeping) lives here once.

An engine is either a single-run engine (``engines.make_engine``: ``step_full(n)``,
``step_batches(indices, offsets)`` and, on torch, ``step_arrays(x, y, offsets)`` (online
sampling's fresh rows, ``data.online``) return a float, ``evaluate()`` a dict,
``weights()``/``set_weights`` one run's layers) or a member engine for K runs (as
``engines.ensemble.EnsembleEngine``: the same methods over K members, losses (K,),
a list of K dicts and K lists of layers, indices (K, total) with shared offsets,
plus ``freeze(m)``, after which member m's weights never change).

A checkpoint (``checkpoint_file``) holds K members' state at one step; a single
run's is the same file with K = 1. A member's final state can be saved the moment
it finishes (``finished``), as a checkpoint of that member alone at its last step:
a group killed later reloads it instead of training the member again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import asdict, dataclass, fields

import numpy as np

from sgd_support.core import checkpoint_file
from sgd_support.core.batches import batch_stream, take_all
from sgd_support.core.data.online import OnlineStream
from sgd_support.core.data.store import Dataset
from sgd_support.core.models import structural_masks
from sgd_support.core.provenance import code_hash
from sgd_support.core.recording import (
    is_diverged,
    param_columns,
    record_steps,
    snapshot_steps,
    weight_metrics,
)

log = logging.getLogger("sgd_support.train")


@dataclass
class RunSpec:
    """Everything that defines one training run besides its data and init weights.

    batch: mini-batch size, or None for full batch (GD). shuffle: False walks the
    samples in order every epoch. clip: global gradient-norm bound (None: off).
    label_noise, momentum, nesterov, adam: the optimizer's keys of the same names.
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
    # the update beyond plain SGD (config keys of the optimizer; torch engine only):
    # label_noise sigma on the batch labels, momentum beta (nesterov), adam {betas, eps,
    # decoupled} or None for SGD
    label_noise: float
    momentum: float
    nesterov: bool
    adam: dict | None
    clip: float | None
    order_seed: int
    shuffle: bool
    sampling: str  # "without_replacement", "with_replacement" or "online" (batches.py)
    activation: str
    structure: str  # "dense" (MLP) or "diagonal" (models.structural_masks)
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


def spec_from_dict(values: dict) -> RunSpec:
    """Rebuild a RunSpec from its dict form, as the training jobs receive it in the
    ``--run`` argument (the config's side, the sweep's runs and their specs, lives in
    :mod:`sgd_support.sweep.runs`, outside the training code hash)."""
    known = {f.name for f in fields(RunSpec)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown run spec keys: {sorted(unknown)}")
    return RunSpec(**values)


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
# Batch-index elements (K x b x steps) handed to the engine per call at most: 16 MB of
# int64 whatever K and b (a step's indices alone may exceed it at K = 1,000, b = 512).
MAX_INDEX_ELEMENTS = 1 << 21


def train(
    data: Dataset,
    init: list[np.ndarray],
    spec: RunSpec,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every_s: float = 300.0,
    max_chunk: int = MAX_CHUNK,
    keep_finished: bool = False,
) -> RunResult:
    """Train one run from ``init`` under ``spec`` on ``spec.engine``; return the
    recorded trajectory (``train_members`` with K = 1).

    With ``checkpoint`` set, state is saved there every ``checkpoint_every_s``
    seconds and a run finding a checkpoint of the same spec, code, data and init
    resumes from it; the result is then the same as an uninterrupted run's
    (chunking does not change the arithmetic). ``keep_finished`` also saves the final
    state there (a group's member: kept until the group's files are written). The
    caller deletes the checkpoint after writing the result.
    """
    from sgd_support.core.engines import make_engine, torch_only_keys

    engine = make_engine(
        spec.engine,
        data,
        [w.copy() for w in init],
        batch=spec.batch,  # "auto" picks by it (engines.pick_engine)
        torch_only=torch_only_keys(vars(spec)),
        masks=structural_masks([w.shape for w in init], spec.structure),
        activation=spec.activation,
        loss=spec.loss,
        lr=spec.lr,
        weight_decay=spec.weight_decay,
        clip=spec.clip,
        device=spec.device,
        threads=spec.threads,
        update=update_settings(spec),
    )
    finished = [checkpoint] if keep_finished else None
    return train_members(engine, data, [init], [spec], checkpoint, checkpoint_every_s, max_chunk, finished)[0]


def update_settings(spec: RunSpec) -> dict:
    """The spec's optimizer keys beyond plain SGD, as ``engines.make_engine`` takes them
    (the label noise is seeded by the run's order seed)."""
    return {
        "label_noise": spec.label_noise,
        "momentum": spec.momentum,
        "nesterov": spec.nesterov,
        "adam": spec.adam,
        "noise_seed": spec.order_seed,
    }


class _OneRun:
    """A single-run engine seen as a member engine of K = 1."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def step_full(self, n: int) -> np.ndarray:
        return np.array([self.engine.step_full(n)])

    def step_batches(self, indices: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        return np.array([self.engine.step_batches(indices[0], offsets)])

    def step_arrays(self, x: np.ndarray, y: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        return np.array([self.engine.step_arrays(x, y, offsets)])

    def evaluate(self) -> list[dict[str, float]]:
        return [self.engine.evaluate()]

    def weights(self) -> list[list[np.ndarray]]:
        return [self.engine.weights()]

    def set_weights(self, weights: list[list[np.ndarray]]) -> None:
        self.engine.set_weights(weights[0])

    def optimizer_states(self) -> list[dict[str, np.ndarray] | None]:
        state = getattr(self.engine, "optimizer_state", None)  # the CPU engines run plain SGD: no state
        return [state() if state else None]

    def set_optimizer_states(self, states: list[dict[str, np.ndarray] | None]) -> None:
        if states[0] is not None:
            self.engine.set_optimizer_state(states[0])

    def freeze(self, member: int) -> None:
        pass  # the loop ends with its only member

    def describe(self) -> dict:
        return self.engine.describe()


def train_members(
    engine,
    data: Dataset,
    inits: list[list[np.ndarray]],
    specs: list[RunSpec],
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every_s: float = 300.0,
    max_chunk: int = MAX_CHUNK,
    finished: list | None = None,
) -> list[RunResult]:
    """Train K runs (``inits[m]``, ``specs[m]``, one batch size) on ``engine``, built
    from ``inits`` (a single-run engine for K = 1), in lockstep; one RunResult each.

    Each member has its own batch order (``batches.batch_stream`` from its seed), record grid
    and snapshots; a member that diverges or reaches its last step is frozen and the
    others go on. With ``checkpoint`` set, the K members' state is saved there every
    ``checkpoint_every_s`` seconds while one still trains, and resumed only by the
    same specs, code, data and inits. ``finished[m]`` (a path or None): where member
    m's final state is saved the moment it finishes, and where a final state saved
    by an earlier process is taken from instead of training the member again.
    """
    k = len(specs)
    if len({s.batch for s in specs}) != 1:
        raise ValueError("the members of one loop must share their batch size")
    extra = {"ensemble_size": k}  # a member engine's files say how many trained together
    if not hasattr(engine, "freeze"):
        engine, extra = _OneRun(engine), {}
    finished = finished or [None] * k
    streams = None
    online = specs[0].sampling == "online"  # a single run's (engines.torch_only keeps it out of ensembles)
    if online:
        if k != 1:
            raise ValueError("online sampling trains one run at a time (the ensemble has no step_arrays)")
        streams = [OnlineStream(data.generator, specs[0].batch, specs[0].order_seed)]
        # the rows handed per call (k b x d float32) bounded as the index arrays are
        max_chunk = max(1, min(max_chunk, MAX_INDEX_ELEMENTS // (specs[0].batch * data.d)))
    elif specs[0].batch is not None:
        streams = [batch_stream(data.n, s) for s in specs]
        max_chunk = max(1, min(max_chunk, MAX_INDEX_ELEMENTS // (k * specs[0].batch)))
    grids = [set(record_steps(s.steps, s.dense_until, s.per_decade, s.every).tolist()) for s in specs]
    snaps = [set(snapshot_steps(s.steps, s.snapshots).tolist()) for s in specs]
    keys = _run_keys(specs, data, inits) if checkpoint or any(finished) else [""] * k
    state = _load_checkpoint(checkpoint, keys)
    if state is None:
        state = _fresh(k)
    else:
        engine.set_weights(state["weights"])
        if hasattr(engine, "set_optimizer_states"):
            engine.set_optimizer_states(state["optimizer"])
        for stream, saved in zip(streams or [], state["streams"]):
            stream.restore(saved)
        log.info("resumed %sfrom checkpoint at step %d", "ensemble " if k > 1 else "", state["step"])
    for m in range(k):  # a member that an earlier process finished: taken as it saved it
        if state["finished_at"][m] is None and finished[m] and finished[m] != checkpoint:
            saved = _load_checkpoint(finished[m], [keys[m]])
            if saved is not None and saved["finished_at"][0] is not None:
                weights = engine.weights()
                weights[m] = saved["weights"][0]
                engine.set_weights(weights)
                for field in MEMBER_FIELDS:
                    state[field][m] = saved[field][0]
    rows, snapshots, status, finished_at = (state[f] for f in ("rows", "snapshots", "status", "finished_at"))
    for m in range(k):  # members finished before this process are frozen and not retrained
        if finished_at[m] is None:
            state["engine"][m] = None  # trained on in this process: by this engine
        else:
            engine.freeze(m)
            name = f"run {m}" if k > 1 else "the run"
            log.info("%s finished in an earlier job at step %d: not trained again", name, rows[m][-1]["step"])
    step, elapsed = state["step"], state["elapsed"]
    batch_loss = np.array([r[-1]["batch_loss"] if r else np.nan for r in rows])
    described = {**engine.describe(), **extra}
    progress, t0 = Progress(max(s.steps for s in specs), step), time.monotonic()
    last_save = t0

    def save_state(path, members: list[int], weights: list[list[np.ndarray]]) -> None:
        """Write ``members``' state at the current step to ``path`` (atomically)."""
        for m in members:
            state["engine"][m] = state["engine"][m] or described
            state["streams"][m] = streams[m].state() if streams else None
        meta = {field: [state[field][m] for m in members] for field in MEMBER_FIELDS if field != "snapshots"}
        meta["snapshots"] = [[s for s, _ in state["snapshots"][m]] for m in members]
        meta.update(step=step, elapsed=elapsed + time.monotonic() - t0)
        arrays = {f"w{i}": np.stack(layer) for i, layer in enumerate(zip(*(weights[m] for m in members)))}
        optimizer = engine.optimizer_states() if hasattr(engine, "optimizer_states") else [None] * k
        for j, m in enumerate(members):  # the update's state (momentum, Adam's moments, step count)
            arrays.update({f"o{j}_{name}": a for name, a in (optimizer[m] or {}).items()})
        for j, m in enumerate(members):
            for n, (_, ws) in enumerate(state["snapshots"][m]):
                arrays.update({f"s{j}_{n}_{i}": w for i, w in enumerate(ws)})
        checkpoint_file.write(path, {"key": _members_key([keys[m] for m in members]), **meta}, arrays)

    def record(at: int) -> None:
        due = [m for m in range(k) if finished_at[m] is None and at in grids[m]]
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
                status[m], state["diverged_step"][m] = "diverged", at
                log.warning("run %d diverged at step %d (loss %s)", m, at, rows[m][-1]["full_loss"])
                if snapshots[m][-1][0] != at:
                    snapshots[m].append((at, weights[m]))  # the state the run stopped in
            if status[m] == "diverged" or at == spec.steps:
                finished_at[m] = elapsed + time.monotonic() - t0
                engine.freeze(m)
                if finished[m]:
                    save_state(finished[m], [m], weights)

    if step == 0:
        record(0)
    for target in sorted(t for t in set().union(*grids) if t > step):
        if all(f is not None for f in finished_at):
            break  # every member diverged or done
        while step < target:
            n = int(min(target - step, max_chunk))
            if streams is None:
                batch_loss = engine.step_full(n)
            elif online:
                batch_loss = engine.step_arrays(*streams[0].take(n))
            else:
                batch_loss = engine.step_batches(*take_all(streams, n))
            step += n
            progress.update(step, _median(batch_loss))
        record(target)
        due = time.monotonic() - last_save > checkpoint_every_s
        if checkpoint and due and None in finished_at:  # a run that diverged or ended saves nothing
            save_state(checkpoint, list(range(k)), engine.weights())
            last_save = time.monotonic()
    wall = elapsed + time.monotonic() - t0
    return [
        RunResult(
            rows[m],
            snapshots[m],
            status[m],
            state["diverged_step"][m],
            wall if finished_at[m] is None else finished_at[m],
            int(rows[m][-1]["step"]),
            state["engine"][m] or described,
        )
        for m in range(k)
    ]


# What a checkpoint holds per member: its recorded rows and snapshots, status, the
# step it diverged at, the elapsed seconds when it finished (None: still training),
# the engine that trained it (for members finished by an earlier process) and its
# batch stream's position; besides the members' shared step, elapsed seconds and weights,
# and the state of each member's update where its engine keeps one (arrays o<m>_<name>).
MEMBER_FIELDS = ("rows", "snapshots", "status", "diverged_step", "finished_at", "engine", "streams")


def _median(losses: np.ndarray) -> float:
    """The members' median loss for the progress log (NaN when none is finite)."""
    return float(np.nanmedian(losses)) if np.isfinite(losses).any() else float("nan")


def _fresh(k: int) -> dict:
    state = {field: [None] * k for field in MEMBER_FIELDS}
    state.update(rows=[[] for _ in range(k)], snapshots=[[] for _ in range(k)], status=["completed"] * k)
    return {**state, "step": 0, "elapsed": 0.0}


def _run_keys(specs: list[RunSpec], data: Dataset, inits: list[list[np.ndarray]]) -> list[str]:
    """What a member's checkpoint must match to be resumed: the spec, the package code
    and the bytes of the data and of the init (a data set rebuilt under the same name,
    or edited code, must not continue an old run). The data is hashed once for all."""
    data_digest = hashlib.sha256()
    for array in (data.x, data.y):
        data_digest.update(np.ascontiguousarray(array).data)
    keys = []
    for spec, init in zip(specs, inits):
        digest = hashlib.sha256(json.dumps(asdict(spec), sort_keys=True).encode())
        digest.update(code_hash().encode())
        digest.update(data_digest.digest())
        for array in init:
            digest.update(np.ascontiguousarray(array).data)
        keys.append(digest.hexdigest())
    return keys


def _members_key(keys: list[str]) -> str:
    """A checkpoint's key: its members' keys, in order."""
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()


def _load_checkpoint(path, keys: list[str]) -> dict | None:
    """The state saved at ``path`` for exactly the members of ``keys``; None when there
    is none (or it was written for other members)."""
    loaded = checkpoint_file.read(path, _members_key(keys))
    if loaded is None:
        return None
    meta, arrays = loaded
    layers = [arrays[f"w{i}"] for i in range(sum(1 for name in arrays if name.startswith("w")))]
    meta["weights"] = [[w[m] for w in layers] for m in range(len(keys))]
    meta["snapshots"] = [
        [(s, [arrays[f"s{m}_{j}_{i}"] for i in range(len(layers))]) for j, s in enumerate(steps)]
        for m, steps in enumerate(meta["snapshots"])
    ]
    meta["optimizer"] = [
        {name.split("_", 1)[1]: a for name, a in arrays.items() if name.startswith(f"o{m}_")} or None
        for m in range(len(keys))
    ]
    return meta

"""Parquet files of the sweep: trajectories and weight snapshots, with provenance.

Each run writes two files under a Hive-style folder
(``results/runs/dataset=.../model=.../optimizer=.../lr=.../batch=.../init=.../order=.../``)
so that ``pyarrow.dataset``, pandas and DuckDB read the whole sweep as one table
whose partition columns are the run's coordinates. The files hold no copy of those
columns; their key-value metadata (key ``sgd_support``) holds the schema version,
the resolved run config, status and provenance. ``write_run`` writes both files of
a trained run (per-run jobs, ``cli.train``; groups, ``group.run_group``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sgd_support.core.atomic import atomic_path
from sgd_support.core.errors import DamagedFileError, UserError, reading
from sgd_support.core.provenance import provenance

SCHEMA_VERSION = 1
META_KEY = b"sgd_support"
PARTITIONS = ("dataset", "model", "optimizer", "lr", "batch", "init", "order")


class SchemaVersionError(RuntimeError, UserError):
    """A file was written by an incompatible version of this package."""


def _column(values, dtype: str) -> pa.Array:
    """A numeric Arrow array built from its buffer. ``pa.array()`` asks pandas whether
    the data is categorical, importing pandas (~0.6 s) into every training job."""
    values = np.ascontiguousarray(values, dtype=dtype)
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)])


def _repeated_string(value: str, n: int) -> pa.Array:
    """A string column holding ``value`` n times (built from buffers, as ``_column``)."""
    encoded = value.encode()
    offsets = np.arange(n + 1, dtype=np.int32) * len(encoded)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(encoded * n))


def _write(table: pa.Table, path: str | os.PathLike, meta: dict) -> None:
    meta = {"schema_version": SCHEMA_VERSION, **meta}
    table = table.replace_schema_metadata({META_KEY: json.dumps(meta, default=str).encode()})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def write_trajectory(path: str | os.PathLike, rows: list[dict], status: str, meta: dict) -> None:
    """One row per recorded step (columns: step, batch_loss, full_loss, norms, ...);
    ``status`` ("completed"/"diverged") is stored as a column and in the metadata."""
    columns = {key: [row.get(key, np.nan) for row in rows] for key in rows[0]}
    table = pa.table({k: _column(v, "int64" if k == "step" else "float64") for k, v in columns.items()})
    table = table.append_column("status", _repeated_string(status, len(rows)))
    _write(table, path, {**meta, "status": status})


def write_weights(path: str | os.PathLike, snapshots: list[tuple[int, list[np.ndarray]]], meta: dict) -> None:
    """One row per (snapshot step, layer): shape and the row-major float32 values."""
    steps, layers, rows, cols, values = [], [], [], [], []
    for step, weights in snapshots:
        for i, w in enumerate(weights):
            steps.append(step), layers.append(i), rows.append(w.shape[0]), cols.append(w.shape[1])
            values.append(np.asarray(w, dtype=np.float32).ravel())
    offsets = np.cumsum([0] + [len(v) for v in values])
    flat = np.concatenate(values) if values else np.empty(0, np.float32)
    table = pa.table(
        {
            "step": _column(steps, "int64"),
            "layer": _column(layers, "int32"),
            "rows": _column(rows, "int32"),
            "cols": _column(cols, "int32"),
            "values": pa.ListArray.from_arrays(_column(offsets, "int32"), _column(flat, "float32")),
        }
    )
    _write(table, path, meta)


def write_run(result, run: dict, trajectory: str | os.PathLike, weights: str | os.PathLike, **extra) -> None:
    """Write one run's trajectory and weights (a ``training.RunResult``) with its
    metadata: the run's spec and resolved config (``run``: ``{"spec": ..., "config":
    ...}``), status, timing, engine, provenance; ``extra`` adds keys, e.g. the group a
    run was trained in."""
    meta = {
        "config": run.get("config", {}),
        "spec": run["spec"],
        "status": result.status,
        "diverged_step": result.diverged_step,
        "wall_time_s": result.wall_time_s,
        "steps_done": result.steps_done,
        "steps_per_s": result.steps_per_s,
        **result.engine,
        "provenance": provenance(),
        "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
        **extra,
    }
    write_trajectory(trajectory, result.rows, result.status, meta)
    write_weights(weights, result.snapshots, meta)


def read_schema(path: str | os.PathLike) -> pa.Schema:
    """The Arrow schema of a file this package wrote, its ``sgd_support`` metadata checked.
    Raises DamagedFileError where the file does not open as Parquet or lacks the
    metadata, SchemaVersionError where another schema version wrote it."""
    with reading(path):
        schema = pq.read_schema(path)
        raw = schema.metadata or {}
        if META_KEY not in raw:
            raise DamagedFileError(path, f"no '{META_KEY.decode()}' metadata: not written by this pipeline")
        version = json.loads(raw[META_KEY]).get("schema_version")
    if version != SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{path}: schema version {version}, this sgd_support reads version {SCHEMA_VERSION}; "
            "rerun the jobs that wrote it (delete the file) or use the matching release"
        )
    return schema


def read_metadata(path: str | os.PathLike) -> dict:
    """The file's ``sgd_support`` metadata (checked as by :func:`read_schema`)."""
    return json.loads(read_schema(path).metadata[META_KEY])


def read_trajectory(path: str | os.PathLike):
    """The trajectory as a pandas DataFrame (schema version checked)."""
    read_metadata(path)
    with reading(path):
        table = pq.read_table(path)
    return table.to_pandas()


def read_weights(path: str | os.PathLike) -> dict[int, list[np.ndarray]]:
    """Snapshots as {step: [W0, W1, ...]} with each W of shape (out, in)."""
    read_metadata(path)
    with reading(path):
        table = pq.read_table(path).to_pylist()
    out: dict[int, list[np.ndarray]] = {}
    for row in sorted(table, key=lambda r: (r["step"], r["layer"])):
        w = np.asarray(row["values"], dtype=np.float32).reshape(row["rows"], row["cols"])
        out.setdefault(row["step"], []).append(w)
    return out


def open_sweep(root: str | os.PathLike, name: str = "trajectory.parquet"):
    """All runs under ``root`` as one ``pyarrow.dataset`` with the partition columns
    (dataset, model, optimizer, lr, batch, init, order) read as strings. Its schema is
    the union of the files' (a column only some runs record, such as the image runs'
    ``test_accuracy`` or the toy model's parameters, is null in the others)."""
    import pyarrow.dataset as pads  # imports pandas (~0.8 s): not for training jobs

    files = sorted(str(p) for p in Path(root).rglob(name))
    partitions = pa.schema([(p, pa.string()) for p in PARTITIONS])
    schema = pa.unify_schemas([*(read_schema(f).remove_metadata() for f in files), partitions])
    return pads.dataset(
        files,
        schema=schema,
        format="parquet",
        partitioning=pads.partitioning(partitions, flavor="hive"),
        partition_base_dir=str(root),
    )

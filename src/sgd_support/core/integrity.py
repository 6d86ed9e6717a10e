"""Damaged files of a results folder: found, and moved aside so that the next
``snakemake`` run rebuilds them (``sgd-support status [--repair]``).

Outputs are written atomically (``atomic.py``), so a killed job never leaves a file
cut short; a file can still be damaged afterwards (a copy cut short, a disk error, an
edit by hand). Snakemake looks only at a file's presence and time, so it would keep
a damaged file forever and every job reading it would fail. Every reader raises
``DamagedFileError`` naming such a file (``errors.reading``); here each Parquet and
``.npz`` file of the results folder is checked with the same readers, and
``move_aside`` moves the damaged ones into ``results/.damaged/<time>/`` (same
relative paths): to Snakemake they are then missing, and it rebuilds them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyarrow.parquet as pq

from sgd_support.core import checkpoint_file
from sgd_support.core.data.store import load_dataset
from sgd_support.core.errors import DamagedFileError, reading
from sgd_support.core.models import load_weights
from sgd_support.core.storage import SchemaVersionError, read_schema

DAMAGED_DIR = ".damaged"  # under the results folder; hidden, so no reader's glob sees it
RUN_FILES = ("trajectory.parquet", "weights.parquet")  # written with the sgd_support metadata


def _read_parquet(path: Path) -> None:
    if path.name in RUN_FILES:
        read_schema(path)  # opens, carries the metadata (a stale version is no damage)
    else:
        with reading(path):  # the tables of the aggregation and analyses: they open
            pq.read_schema(path)


def _read_npz(path: Path) -> None:
    """Read the .npz as the jobs do: every array, so a damaged member shows too."""
    if path.name.startswith("dataset="):  # results/data/dataset=NAME.npz
        load_dataset(path)
    elif path.name.startswith("init="):  # results/init/.../init=S.npz
        load_weights(path)
    else:  # results/checkpoints/...
        checkpoint_file.read_arrays(path)


def damage(path: str | os.PathLike) -> str | None:
    """Why the Parquet or .npz file ``path`` of a results folder cannot be read as what it
    should be, or None where it reads (or was written by another schema version:
    ``sgd-support status`` calls that stale)."""
    path = Path(path)
    try:
        if path.suffix == ".parquet":
            _read_parquet(path)
        else:
            _read_npz(path)
    except DamagedFileError as err:
        return err.reason
    except SchemaVersionError:
        return None
    return None


def result_files(results: str | os.PathLike) -> list[Path]:
    """Every Parquet and .npz file under ``results``, sorted; hidden folders (the moved-
    aside files) and hidden files (a writer's temporaries) left out."""
    out = []
    for folder, subfolders, names in os.walk(results):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        out += [Path(folder) / n for n in names if n.endswith((".parquet", ".npz")) and not n.startswith(".")]
    return sorted(out)


def find_damaged(results: str | os.PathLike) -> dict[Path, str]:
    """{path: reason} of every damaged file under ``results``."""
    found = {path: damage(path) for path in result_files(results)}
    return {path: why for path, why in found.items() if why is not None}


def move_aside(results: str | os.PathLike, paths: list[Path]) -> Path:
    """Move ``paths`` (files under ``results``) into ``results/.damaged/<time>/``, each at
    its path relative to ``results``; return that folder."""
    results = Path(results)
    target = results / DAMAGED_DIR / time.strftime("%Y%m%d-%H%M%S")
    for path in paths:
        dest = target / Path(path).relative_to(results)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, dest)
    return target

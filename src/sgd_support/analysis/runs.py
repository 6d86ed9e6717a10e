"""Which run a file belongs to: its coordinates, read from the Hive folder names.

Analyses get explicit file lists from their rules (so stale runs of another config
under the same ``results/runs`` never leak in) and recover each file's run from
its path, ``.../dataset=D/model=M/optimizer=O/lr=L/batch=B/init=I/order=S/file``.
"""

from __future__ import annotations

import os
from pathlib import Path

from sgd_support.aggregate import coordinates  # noqa: F401  (re-exported: one parser of run folders)

# The coordinates that define a group of runs across init and order seeds.
GROUP = ("dataset", "model", "optimizer", "lr", "batch")


def dataset_paths(paths: list[str | os.PathLike]) -> dict[str, str]:
    """{data set name: path} for data set files named ``dataset=NAME.npz``."""
    out = {}
    for p in paths:
        stem = Path(p).name.removesuffix(".npz")
        if not stem.startswith("dataset="):
            raise ValueError(f"{p}: expected a file named dataset=NAME.npz")
        out[stem.split("=", 1)[1]] = str(p)
    return out


def batch_size(batch: str) -> float:
    """The batch coordinate as a number; full batch ("full") is +inf."""
    return float("inf") if batch == "full" else float(batch)

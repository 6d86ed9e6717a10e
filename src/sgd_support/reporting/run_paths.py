"""Where a run's files live and which run a file belongs to: the one place that knows
the Hive folder layout ``results/runs/dataset=D/model=M/optimizer=O/lr=L/batch=B/
init=I/order=S/FILE`` (and ``results/data/dataset=D.npz`` for data sets).

Rules hand jobs explicit file lists (so stale runs of another config under the same
``results/runs`` never leak in); jobs recover each file's run from its path here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sgd_support.core.storage import PARTITIONS

FULL = "full"  # the batch coordinate of full-batch runs (GD)

# "dataset={dataset}/model={model}/.../order={order}": a run's folders, to .format(**run)
RUN_PARTS = "/".join(f"{key}={{{key}}}" for key in PARTITIONS)
RUN_DIR = f"results/runs/{RUN_PARTS}"
# A run's checkpoint, outside the outputs so that a killed job's survives for the rerun:
# train_run's, and a group member's final state (train_group.smk; the same format)
RUN_CHECKPOINT = f"results/checkpoints/{RUN_PARTS}.npz"
# A training group's name (training.group: cell; sweep.runs.train_groups) and the prefix
# of its ensembles' checkpoints (core.group adds ".e<j>.npz" per ensemble)
GROUP_NAME = "dataset={dataset}/model={model}/batch={batch}"
GROUP_CHECKPOINT = "results/checkpoints/groups/{group}"
DATASET_FILE = "results/data/dataset={dataset}.npz"
INIT_FILE = "results/init/dataset={dataset}/model={model}/init={init}.npz"  # a model's initial weights


def format_lr(lr: float) -> str:
    """The lr as it appears in paths: shortest round-trip form (0.1, 0.5, 1e-05)."""
    return repr(float(lr))


def parse_lr(text: str) -> float:
    """The lr of a path's ``lr=`` folder (the inverse of :func:`format_lr`)."""
    return float(text)


def run_file(run: Mapping[str, str], name: str) -> str:
    """The path of a run's file ``name`` (e.g. trajectory.parquet) under ``results/runs``."""
    return f"{RUN_DIR}/{name}".format(**run)


def coordinates(path: str | os.PathLike) -> dict[str, str | float]:
    """The run's coordinates (in PARTITIONS order) from the Hive folders of one of its
    files, the one place they are parsed: lr as a number (:func:`parse_lr`; its text is
    the path's, :func:`format_lr`, so ``str`` of it gives the folder back), the others
    as the path's text (names, and batch "full" or a size). A path without all of them
    is an error naming the missing ones."""
    parts = dict(p.split("=", 1) for p in Path(path).parent.parts if "=" in p)
    missing = [k for k in PARTITIONS if k not in parts]
    if missing:
        raise ValueError(f"{path}: no {', '.join(missing)} folder(s) in the path")
    return {k: parse_lr(parts[k]) if k == "lr" else parts[k] for k in PARTITIONS}


def dataset_name(path: str | os.PathLike) -> str:
    """The data set's name from its file ``.../dataset=NAME.npz``."""
    stem = Path(path).name.removesuffix(".npz")
    if not stem.startswith("dataset="):
        raise ValueError(f"{path}: expected a file named dataset=NAME.npz")
    return stem.split("=", 1)[1]


def dataset_paths(paths: list[str | os.PathLike]) -> dict[str, str]:
    """{data set name: path} of data set files named ``dataset=NAME.npz``."""
    return {dataset_name(p): str(p) for p in paths}

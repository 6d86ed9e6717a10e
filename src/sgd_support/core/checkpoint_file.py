"""A checkpoint file: JSON metadata and named arrays in one ``.npz``, written atomically
and read back only by the run (or group of runs) it was written for. A damaged one
(cut short, unreadable) is discarded with a warning and training starts over."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from sgd_support.core.atomic import atomic_path
from sgd_support.core.errors import DamagedFileError, reading

log = logging.getLogger("sgd_support.checkpoint")


def write(path, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write ``meta`` (JSON-serialisable, with its ``key``) and ``arrays`` to ``path``."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, meta=np.array(json.dumps(meta)), **arrays)
    log.info("checkpoint at step %d -> %s", meta["step"], path)


def read(path, key: str) -> tuple[dict, dict[str, np.ndarray]] | None:
    """The metadata and arrays at ``path``; None when there is no file, when it was
    written for another key (another spec, code, data or init: never resumed), or when
    it is damaged (then it is deleted: it holds nothing to resume)."""
    if not path or not Path(path).exists():
        return None
    try:
        meta, arrays = read_arrays(path)
    except DamagedFileError as err:
        log.warning("discarding damaged checkpoint %s (%s); training starts from step 0", path, err.reason)
        Path(path).unlink(missing_ok=True)
        return None
    if meta.get("key") != key:
        log.warning("ignoring checkpoint %s: written for another spec, code, data or init", path)
        return None
    return meta, arrays


def read_arrays(path) -> tuple[dict, dict[str, np.ndarray]]:
    """The metadata and every array of the checkpoint at ``path``, whatever its key (all
    read, so that damage shows here: DamagedFileError)."""
    with reading(path), np.load(path) as f:
        meta = json.loads(str(f["meta"]))
        return meta, {name: f[name] for name in f.files if name != "meta"}

"""A checkpoint file: JSON metadata and named arrays in one ``.npz``, written atomically
and read back only by the run (or group of runs) it was written for."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from sgd_support.atomic import atomic_path

log = logging.getLogger("sgd_support.checkpoint")


def write(path, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write ``meta`` (JSON-serialisable, with its ``key``) and ``arrays`` to ``path``."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, meta=np.array(json.dumps(meta)), **arrays)
    log.info("checkpoint at step %d -> %s", meta["step"], path)


def read(path, key: str) -> tuple[dict, dict[str, np.ndarray]] | None:
    """The metadata and arrays at ``path``; None when there is no file, or when it was
    written for another key (another spec, code, data or init: never resumed)."""
    if not path or not Path(path).exists():
        return None
    with np.load(path) as f:
        meta = json.loads(str(f["meta"]))
        if meta.get("key") != key:
            log.warning("ignoring checkpoint %s: written for another spec, code, data or init", path)
            return None
        return meta, {name: f[name] for name in f.files if name != "meta"}

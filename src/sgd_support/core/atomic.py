"""Write files atomically: to a temporary name in the same folder, then rename.

A job killed at any moment therefore leaves either the complete file or no file at
its output path, never a truncated one that a reader could take for a result. The
temporary name starts with a dot, so folder scans (``pyarrow.dataset``, globs for
``trajectory.parquet``) never pick one up; one left by a killed writer is removed by
the next write of the same path.
"""

from __future__ import annotations

import contextlib
import glob
import os
from collections.abc import Iterator
from pathlib import Path


def _temporaries(final: Path) -> list[Path]:
    """Temporaries of ``final`` left in its folder (by this or a killed process)."""
    return list(final.parent.glob(f".{glob.escape(final.stem)}.tmp-*{glob.escape(final.suffix)}"))


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it to ``path`` on success.

    The temporary name keeps the suffix (libraries such as matplotlib pick the
    format from it). Its contents are flushed to disk before the rename, so a node
    that crashes right after leaves the old file or the new one, not an empty one.
    On an exception the temporary file is removed. Assumes one writer per path at
    a time (Snakemake's output locks guarantee it): stale temporaries of ``path``
    are deleted first.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    for stale in _temporaries(final):
        stale.unlink(missing_ok=True)
    tmp = final.with_name(f".{final.stem}.tmp-{os.getpid()}{final.suffix}")
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()

"""What produced a file: versions, device, host, git commit, code hash."""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TRACKED = ("numpy", "pyarrow", "torch", "numba", "pandas")


def code_hash() -> str:
    """SHA-256 (12 hex) over the package's source files: results depend on them, and
    Snakemake does not see code edits, so rules put this into their params."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PACKAGE_DIR, capture_output=True,
                             text=True, timeout=5)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def versions() -> dict[str, str]:
    """Versions of Python and of the libraries that can change a run's numbers
    (only those already imported: recording must not pay for importing torch)."""
    out = {"python": platform.python_version()}
    for name in TRACKED:
        if name in sys.modules:
            try:
                out[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                out[name] = getattr(sys.modules[name], "__version__", "unknown")
    return out


def provenance() -> dict:
    from sgd_support import __version__

    return {
        "sgd_support": __version__, "code_hash": code_hash(), "git_commit": git_commit(),
        "versions": versions(), "host": platform.node(), "machine": platform.machine(),
    }  # fmt: skip

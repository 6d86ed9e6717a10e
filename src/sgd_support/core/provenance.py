"""What produced a file: versions, device, host, git commit, code hash."""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from sgd_support.core.atomic import atomic_path

# The sgd_support package (TRAINING_CODE names paths in it: the core and the cli entry
# points that build data sets, inits and runs)
PACKAGE_DIR = Path(__file__).resolve().parents[1]
TRACKED = ("numpy", "pyarrow", "torch", "numba", "pandas", "sklearn", "torchvision")
# Environment variables that change thread counts or kernel choice, hence possibly bits.
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "NUMBA_THREADING_LAYER",
    "CUBLAS_WORKSPACE_CONFIG",
    "CUDA_VISIBLE_DEVICES",
)


# The modules that training results (data sets, inits, trajectories) depend on.
# Figure and analysis code is left out, so editing a plot does not retrain a sweep.
TRAINING_CODE = (
    "core/data",
    "core/engines",
    "cli/make_dataset.py",
    "cli/init_weights.py",
    "cli/train.py",
    "core/backbone.py",  # E9's features data sets (core/data/features.py, cli/extract_features.py)
    "cli/extract_features.py",
    "core/atomic.py",
    "core/batches.py",
    "core/models.py",
    "core/recording.py",
    "core/storage.py",
    "core/training.py",
    "core/group.py",
    "core/checkpoint_file.py",
)


# The meaning digest of each source version, by the SHA-256 of its bytes, kept beside
# Python's bytecode cache: parsing every file costs ~0.35 s, which every training job
# would pay (content-addressed, so concurrent jobs can only write correct entries).
MEANING_CACHE = PACKAGE_DIR / "__pycache__" / "code_meaning.json"


@functools.cache  # and once per process: a job asks for each file it writes
def code_hash(*parts: str) -> str:
    """SHA-256 (12 hex) over the package's source files (or only ``parts``: files or
    folders relative to the package). Results depend on the code and Snakemake does
    not see code edits, so rules put this into their params.

    Each file is hashed by its syntax tree without docstrings (``code_meaning``), so
    reformatting, comments and docstrings change no hash and rerun no job; a changed
    statement, name or constant does."""
    roots = [PACKAGE_DIR / p for p in parts] or [PACKAGE_DIR]
    files = sorted({f for r in roots for f in ([r] if r.is_file() else r.rglob("*.py"))})
    meanings = meaning_digests(files)
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(meanings[path].encode())
    return digest.hexdigest()[:12]


def meaning_digests(files: list[Path], cache_file: Path = MEANING_CACHE) -> dict[Path, str]:
    """{file: SHA-256 of its ``code_meaning``}, parsing only sources not seen before."""
    try:
        cache = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        cache = {}
    out, new = {}, {}
    for path in files:
        source = path.read_bytes()
        key = hashlib.sha256(source).hexdigest()
        if key not in cache:
            new[key] = cache[key] = hashlib.sha256(code_meaning(source.decode())).hexdigest()
        out[path] = cache[key]
    if new:
        try:
            with atomic_path(cache_file) as tmp:
                tmp.write_text(json.dumps(cache))
        except OSError:  # a read-only install, or a concurrent job's rename won: no cache
            pass
    return out


def code_meaning(source: str) -> bytes:
    """What of a module's source can change what it computes: its syntax tree, without
    positions, comments (the parser drops them) and docstrings."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            value = first.value if isinstance(first, ast.Expr) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False).encode()


def _git(*args: str) -> str | None:
    """stdout of a git command in the package's checkout (None: no git, or not a checkout)."""
    try:
        out = subprocess.run(["git", *args], cwd=PACKAGE_DIR, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_commit() -> str | None:
    return _git("rev-parse", "HEAD") or None


def git_dirty() -> bool | None:
    """Whether the checkout differs from its commit (edited or new, not ignored, files):
    then the commit alone does not say which code ran. None outside a git checkout."""
    status = _git("status", "--porcelain")
    return None if status is None else bool(status)


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


def cpu_model() -> str:
    """The CPU's model name (vector width and thus float rounding can depend on it)."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def numerics() -> dict:
    """What besides versions decides the bits of a run: threads, CUDA stack, GPU,
    determinism flags. Only for libraries already imported (never imports one)."""
    out: dict = {"env": {k: os.environ[k] for k in THREAD_VARS if k in os.environ}}
    torch = sys.modules.get("torch")
    if torch is not None:
        out["torch_threads"] = torch.get_num_threads()
        out["torch_deterministic_algorithms"] = torch.are_deterministic_algorithms_enabled()
        out["cuda"] = torch.version.cuda
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            out["cudnn"] = torch.backends.cudnn.version()
            out["gpu"] = torch.cuda.get_device_name()
    numba = sys.modules.get("numba")
    if numba is not None:
        out["numba_threads"] = numba.config.NUMBA_NUM_THREADS
    out["blas"] = blas()
    return out


def blas() -> list[dict]:
    """The BLAS/OpenMP libraries loaded in this process, with their thread counts
    (OpenBLAS and MKL, or a different thread count, sum in other orders)."""
    from threadpoolctl import threadpool_info

    keys = ("user_api", "internal_api", "version", "num_threads", "threading_layer", "architecture")
    return [{key: lib[key] for key in keys if key in lib} for lib in threadpool_info()]


def provenance() -> dict:
    from sgd_support import __version__

    return {
        "sgd_support": __version__,
        "code_hash": code_hash(),
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
        "versions": versions(),
        "numerics": numerics(),
        "host": platform.node(),
        "machine": platform.machine(),
        "cpu": cpu_model(),
        "platform": platform.platform(),
    }

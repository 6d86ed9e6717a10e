"""Atomic writes: a writer killed mid-write leaves no file at the output path, and
every writer in the package goes through atomic_path."""

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO

from sgd_support.core.atomic import atomic_path
from sgd_support.core.storage import read_trajectory, write_trajectory

ROWS = [{"step": 0, "batch_loss": 1.0, "full_loss": 1.0}, {"step": 1, "batch_loss": 0.5, "full_loss": 0.5}]

# Starts write_trajectory with a pq.write_table that writes half a file and then
# SIGKILLs its own process: the worst moment for a kill.
DYING_WRITER = textwrap.dedent("""
    import os, signal, sys
    import pyarrow.parquet as pq
    from sgd_support.core import storage

    def dying(table, where, **kwargs):
        with open(where, "wb") as fh:
            fh.write(b"PAR1 half a file")
            fh.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    pq.write_table = dying
    storage.write_trajectory(sys.argv[1], [{"step": 0, "batch_loss": 9.0, "full_loss": 9.0}], "completed", {})
""")


def _kill_mid_write(path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", DYING_WRITER, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    assert proc.returncode == -9, proc.stderr


def test_sigkill_mid_write_leaves_no_file_at_the_path(tmp_path):
    path = tmp_path / "run" / "trajectory.parquet"
    _kill_mid_write(path)
    assert not path.exists()
    (stale,) = (tmp_path / "run").iterdir()  # the half-written temporary, hidden
    assert stale.name.startswith(".trajectory.tmp-") and stale.read_bytes() == b"PAR1 half a file"
    with pytest.raises(FileNotFoundError):
        read_trajectory(path)
    # the rerun writes the file and removes the killed writer's temporary
    write_trajectory(path, ROWS, "completed", {})
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["trajectory.parquet"]
    assert read_trajectory(path)["step"].tolist() == [0, 1]


def test_sigkill_mid_rewrite_keeps_the_previous_file(tmp_path):
    path = tmp_path / "trajectory.parquet"
    write_trajectory(path, ROWS, "completed", {})
    _kill_mid_write(path)
    assert read_trajectory(path)["full_loss"].tolist() == [1.0, 0.5]


def test_exception_removes_the_temporary(tmp_path):
    path = tmp_path / "x.txt"
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_text("partial")
        raise RuntimeError("writer failed")
    assert list(tmp_path.iterdir()) == []


WRITERS = {
    "write_table",
    "to_parquet",
    "to_csv",
    "to_json",
    "savez",
    "savez_compressed",
    "save",
    "savefig",
    "write_text",
    "write_bytes",
    "write_dataset",
}


def _unguarded_writes(tree: ast.AST) -> list[int]:
    """Lines of writer calls (and open(..., "w...")) outside a ``with atomic_path(...)``."""
    bad = []

    def visit(node: ast.AST, guarded: bool) -> None:
        if isinstance(node, ast.With) and any(
            isinstance(item.context_expr, ast.Call)
            and getattr(item.context_expr.func, "id", "") == "atomic_path"
            for item in node.items
        ):
            guarded = True
        if isinstance(node, ast.Call) and not guarded:
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            mode = node.args[1] if name == "open" and len(node.args) > 1 else None
            for kw in node.keywords:
                mode = kw.value if name == "open" and kw.arg == "mode" else mode
            writes_file = isinstance(mode, ast.Constant) and any(c in str(mode.value) for c in "wax+")
            if name in WRITERS or writes_file:
                bad.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child, guarded)

    visit(tree, False)
    return bad


def test_every_writer_in_the_package_goes_through_atomic_path():
    offenders = []
    for path in sorted((REPO / "src" / "sgd_support").rglob("*.py")):
        lines = _unguarded_writes(ast.parse(path.read_text()))
        offenders += [f"{path.relative_to(REPO)}:{line}" for line in lines]
    assert not offenders, f"writes outside atomic_path: {offenders}"


def test_the_audit_catches_an_unguarded_write():
    code = "import numpy as np\ndef f(p):\n    np.savez(p, x=1)\n    open(p, 'w')\n"
    assert _unguarded_writes(ast.parse(code)) == [3, 4]

"""scripts/compare_results.py: the check that a refactor changed no result reports a changed
number, column, caption or missing file, and ignores job timings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "compare_results.py"


def tree(root: Path, loss: float, wall: float, caption: str, extra: bool = False) -> Path:
    run = root / "runs" / "dataset=d" / "order=0"
    run.mkdir(parents=True)
    pd.DataFrame({"step": [0, 1], "loss": [1.0, loss], "wall_time_s": [0.0, wall]}).to_parquet(
        run / "trajectory.parquet"
    )
    (root / "caption.rst").write_text(caption)
    (root / "figure.png").write_bytes(bytes([int(wall) % 256]))  # compared by name only
    if extra:
        (root / "claims.parquet").write_bytes((run / "trajectory.parquet").read_bytes())
    return root


def compare(a: Path, b: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(a), str(b)], capture_output=True, text=True)


def test_equal_results_with_other_timings_pass(tmp_path):
    out = compare(tree(tmp_path / "a", 0.5, 3.0, "x"), tree(tmp_path / "b", 0.5, 7.0, "x"))
    assert out.returncode == 0, out.stdout
    assert "2 data files compared, 0 difference(s)" in out.stdout


def test_a_changed_number_caption_or_file_is_reported(tmp_path):
    out = compare(tree(tmp_path / "a", 0.5, 3.0, "x"), tree(tmp_path / "b", 0.5000001, 3.0, "y", extra=True))
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert any(line.startswith("runs/dataset=d/order=0/trajectory.parquet:") for line in lines)
    assert "caption.rst: text differs" in lines
    assert any(line.startswith("only in") and line.endswith("claims.parquet") for line in lines)

"""Cheap job start: a numba training job imports neither torch nor torchvision, and
the compiled kernels come from numba's on-disk cache after the first compile."""

import json
import os
import subprocess
import sys
from dataclasses import asdict

import pytest
from specs import make_spec

from sgd_support.core.data.store import Dataset, save_dataset
from sgd_support.core.data.synthetic import make_synthetic, support_mask
from sgd_support.core.models import init_weights, layer_shapes, save_weights

pytestmark = pytest.mark.slow
SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


def python(*args, env=None):
    env = {**os.environ, "PYTHONPATH": SRC, **(env or {})}
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, check=True)


def imported_packages(importtime_log: str) -> set[str]:
    return {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in importtime_log.splitlines()
        if line.startswith("import time:") and "|" in line
    }


@pytest.mark.parametrize("engine, torch_expected", [("auto", False), ("torch", True)])
def test_training_job_imports_torch_only_for_the_torch_engine(tmp_path, engine, torch_expected):
    x, y = make_synthetic(50, 6, 2, 0.001, "linear", seed=0)
    save_dataset(Dataset(x=x, y=y, support=support_mask(6, 2)), tmp_path / "data.npz")
    save_weights(init_weights(layer_shapes(6, [4], 1), 0), tmp_path / "init.npz")
    run = {"spec": asdict(make_spec(lr=0.1, batch=8, steps=20, engine=engine))}
    proc = python(
        "-X",
        "importtime",
        "-m",
        "sgd_support.cli.train",
        "--data",
        str(tmp_path / "data.npz"),
        "--init",
        str(tmp_path / "init.npz"),
        "--run",
        json.dumps(run),
        "--trajectory",
        str(tmp_path / "t.parquet"),
        "--weights",
        str(tmp_path / "w.parquet"),
    )
    packages = imported_packages(proc.stderr)
    assert ("torch" in packages) is torch_expected
    assert "torchvision" not in packages
    assert ("numba" in packages) is not torch_expected


def test_kernels_compile_once_then_load_from_the_cache(tmp_path):
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    notes = []
    for i in range(2):
        python("-m", "sgd_support.cli.compile_engine", "--out", str(tmp_path / f"k{i}.json"), env=env)
        notes.append(json.loads((tmp_path / f"k{i}.json").read_text()))
    assert (notes[0]["cache_hits"], notes[0]["cache_misses"]) == (0, 1)
    assert (notes[1]["cache_hits"], notes[1]["cache_misses"]) == (1, 0)
    assert notes[1]["cache_path"].startswith(str(tmp_path / "cache"))

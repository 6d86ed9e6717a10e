"""Diagonal networks, App. J's data and the samplings through the real snakemake CLI:
per-run jobs and group jobs (training.group: cell, which trains these runs one after
another on the torch engine) write the same trajectories, bit for bit, and the files
record the model's structure and the optimizer's sampling."""

import numpy as np
import pytest
from conftest import run_snakemake
from specs import with_defaults

from sgd_support.core.storage import read_metadata, read_trajectory
from sgd_support.reporting.run_paths import RUN_DIR
from sgd_support.sweep.runs import expand_runs

pytestmark = pytest.mark.slow


def config(group: str) -> dict:
    return {
        "datasets": {
            "lin": {"kind": "synthetic", "target": "linear", "n": 100, "d": 5, "r": 2, "seed": 0},
            "relu": {"kind": "relu_counterexample", "n": 64, "d": 3, "seed": 0},
        },
        "models": {"diag": {"structure": "diagonal", "depth": 3, "init": "normal", "init_std": 0.5}},
        "optimizers": {
            "gd": {"batch": "full", "steps": 100},
            "sgd_wr": {"steps": 100, "sampling": "with_replacement"},
            "sgd_on": {"steps": 100, "sampling": "online"},
        },
        "training": {"group": group},
        "recording": {"dense_until": 10, "per_decade": 5},
        "sweeps": {
            "t": {
                "datasets": ["lin", "relu"],
                "models": ["diag"],
                "optimizers": ["gd", "sgd_wr", "sgd_on"],
                "lrs": [0.05],
                "batches": [8],
                "init_seeds": [0],
                "order_seeds": [0],
            }
        },
    }


def test_run_and_group_jobs_write_the_same_trajectories(tmp_path):
    runs = expand_runs(with_defaults(config("run")))
    files = [f"{RUN_DIR.format(**run)}/trajectory.parquet" for run in runs]
    for group in ("run", "cell"):
        run_snakemake(tmp_path / group, config(group), *files)
    for path in files:
        single, grouped = (read_trajectory(tmp_path / group / path) for group in ("run", "cell"))
        for key in ("full_loss", "irrelevant_norm"):
            np.testing.assert_array_equal(single[key].to_numpy(), grouped[key].to_numpy())
        assert single["full_loss"].iloc[-1] < single["full_loss"].iloc[0]
        meta = read_metadata(tmp_path / "run" / path)
        assert meta["spec"]["structure"] == "diagonal"
        assert meta["spec"]["sampling"] == meta["config"]["optimizer"]["sampling"]
        assert meta["engine"] == "torch"

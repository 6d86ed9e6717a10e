"""Every config the repository ships (config.yaml and config/*.yaml) passes the workflow's
checks, expands into runs and targets, and (slow) dry-runs through Snakemake: a key the
schema renamed or a sweep that names a missing optimizer fails here, not in a user's run."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import BIN, REPO

from sgd_support.experiments.families import all_targets
from sgd_support.sweep.config_check import load_config
from sgd_support.sweep.runs import expand_runs

CONFIGS = [REPO / "config.yaml", *sorted((REPO / "config").glob("*.yaml"))]
IDS = [str(p.relative_to(REPO)) for p in CONFIGS]


def user_files(workdir: Path) -> None:
    """What a config may ask the user to provide: config/cifar10.yaml's backbone weights
    (validation checks the file exists; torchvision data roots may be downloaded later)."""
    (workdir / "data").mkdir(exist_ok=True)
    (workdir / "data" / "resnet18_cifar10.pt").touch()


@pytest.mark.parametrize("path", CONFIGS, ids=IDS)
def test_config_loads_and_expands(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative data roots and weights resolve here, as in a run
    user_files(tmp_path)
    config = load_config(path)
    runs = expand_runs(config)
    assert runs, f"{path.name}: no training runs"
    targets = all_targets(config, runs)
    assert targets.report and targets.claims


@pytest.mark.slow
@pytest.mark.parametrize("path", CONFIGS, ids=IDS)
def test_config_dry_runs(path, tmp_path):
    user_files(tmp_path)
    cmd = [
        str(BIN / "snakemake"),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(tmp_path),
        "--configfile",
        str(path),
        "--cores",
        "2",
        "-n",
        "--quiet",
        "rules",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{path.name}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "train" in proc.stdout + proc.stderr  # training jobs were planned

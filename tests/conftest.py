"""Shared fixtures: the repository's paths and a runner for the real workflow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv that runs the tests also runs the jobs


def in_git_checkout(path: Path = REPO) -> bool:
    """Whether ``path`` lies in a git working tree (False from a source tarball, or
    where git is not installed): then provenance records a commit and a dirty flag."""
    if shutil.which("git") is None:
        return False
    proc = subprocess.run(
        ["git", "rev-parse", "--is-inside-work-tree"], cwd=path, capture_output=True, text=True
    )
    return proc.returncode == 0 and proc.stdout.strip() == "true"


IN_CHECKOUT = in_git_checkout()
# For the tests that read the repository through git (its tracked files): skipped,
# with this reason, when the tests run from an unpacked source tarball.
needs_checkout = pytest.mark.skipif(not IN_CHECKOUT, reason="needs a git checkout of the repository")
# For the tests that make their own repository: they need only the git program.
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git program")


def tiny_config(**overrides) -> dict:
    """A config whose whole sweep trains in a few seconds (same keys as config.yaml)."""
    config = {
        "datasets": {
            "linear": {
                "kind": "synthetic",
                "target": "linear",
                "n": 200,
                "d": 6,
                "r": 2,
                "noise": 0.001,
                "seed": 0,
            },
        },
        "models": {"lin": {"widths": [4, 4], "activation": "identity"}},
        "optimizers": {
            "gd": {"batch": "full", "steps": 300},
            "gd_wd": {"batch": "full", "steps": 200, "weight_decay": 0.1},
            "sgd": {"steps": 300},
        },
        "training": {"engine": "auto"},
        "recording": {"dense_until": 20, "per_decade": 10, "snapshots": [100]},
        "sweeps": {
            "tiny": {
                "datasets": ["linear"],
                "models": ["lin"],
                "optimizers": ["gd", "gd_wd", "sgd"],
                "lrs": [0.1],
                "batches": [1, 16],
                "init_seeds": [0],
                "order_seeds": [0, 1],
            }
        },
    }
    config.update(overrides)
    return config


def snakemake_command(workdir: Path, config: dict, *args: str) -> tuple[list[str], dict]:
    """Write ``config`` into ``workdir``; return the snakemake command line and its env."""
    workdir.mkdir(parents=True, exist_ok=True)
    cfg = workdir / "config.yaml"
    cfg.write_text(yaml.safe_dump(config))
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    cmd = [
        str(BIN / "snakemake"),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(cfg),
        "--cores",
        "2",
        *args,
    ]
    return cmd, env


def run_snakemake(workdir: Path, config: dict, *args: str, check: bool = True, timeout: int = 600):
    """Run the real workflow (snakemake CLI) in ``workdir`` with ``config``."""
    cmd, env = snakemake_command(workdir, config, *args)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
        )
    return proc


@pytest.fixture
def snakemake_runner():
    return run_snakemake

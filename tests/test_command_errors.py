"""``sgd-support plan`` and ``status`` on broken inputs: one line naming the key or the
file, exit code 2, no traceback (``--debug`` keeps it); a damaged file is listed, not a crash."""

import os
import subprocess
import sys

import pytest
import yaml
from conftest import REPO, tiny_config

from sgd_support.core.storage import write_trajectory, write_weights
from sgd_support.sweep.status import RUN_DIR


def sgd_support(cwd, *args: str) -> subprocess.CompletedProcess:
    """The command as a user types it, in ``cwd`` (this checkout's package)."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("SGD_SUPPORT_DEBUG", None)
    cmd = [sys.executable, "-m", "sgd_support.cli.command", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def unknown_key(config):
    config["optimizers"]["sgd"]["stpes"] = config["optimizers"]["sgd"].pop("steps")


def wrong_type(config):
    config["datasets"]["linear"]["n"] = "two hundred"


# (case id, how config.yaml is broken, text the one line must contain)
BROKEN = [
    ("unknown-key", unknown_key, "unknown key 'stpes' (config.yaml line"),
    ("wrong-type", wrong_type, "invalid config at datasets.linear.n: 'two hundred' (config.yaml line"),
    ("yaml-syntax", "datasets:\n  linear: {kind: synthetic\n  sine: 1\n", "config.yaml, line 3, column 7"),
    ("missing-config", None, "config file config.yaml not found"),
]


@pytest.mark.parametrize("command", ["plan", "status"])
@pytest.mark.parametrize("broken, expected", [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_a_broken_config_is_one_line_naming_the_key_or_file(tmp_path, command, broken, expected):
    if callable(broken):
        config = tiny_config()
        broken(config)
        (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    elif broken is not None:
        (tmp_path / "config.yaml").write_text(broken)
    proc = sgd_support(tmp_path, command)  # config.yaml of the current folder, as snakemake
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("error: ") and expected in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    debug = sgd_support(tmp_path, "--debug", command)
    assert debug.returncode == 1 and "Traceback" in debug.stderr and expected in debug.stderr


def test_options_are_not_abbreviated(tmp_path):
    proc = sgd_support(tmp_path, "status", "--config", "config.yaml")  # not --configfile
    assert proc.returncode == 2 and "unrecognized arguments: --config" in proc.stderr, proc.stderr


def damaged_sweep(tmp_path):
    """A tiny config with one finished run whose trajectory is cut short."""
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(tiny_config()))
    run = {"dataset": "linear", "model": "lin", "optimizer": "gd", "lr": "0.1", "batch": "full"}
    folder = tmp_path / "results" / RUN_DIR.format(**run, init=0, order=0)
    folder.mkdir(parents=True)
    write_trajectory(folder / "trajectory.parquet", [{"step": 0, "full_loss": 1.0}], "completed", {})
    write_weights(folder / "weights.parquet", [], {})
    os.truncate(folder / "trajectory.parquet", 100)
    return (folder / "trajectory.parquet").relative_to(tmp_path)


def test_status_lists_a_damaged_parquet_on_one_line(tmp_path):
    path = damaged_sweep(tmp_path)
    proc = sgd_support(tmp_path, "status")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert "total: 0 done, 0 diverged, 0 checkpoint, 5 missing, 0 stale, 1 damaged" in proc.stdout
    (line,) = [x for x in proc.stdout.splitlines() if str(path) in x]
    assert line == f"  {path}: ArrowInvalid: Parquet magic bytes not found in footer. " + (
        "Either the file is corrupted or this is not a parquet file."
    )


@pytest.mark.slow
def test_plan_is_not_stopped_by_a_damaged_parquet(tmp_path):
    """plan reads a finished run's trajectory for its device; a damaged one is skipped."""
    damaged_sweep(tmp_path)
    bench = (
        tmp_path
        / "results/benchmarks"
        / (
            RUN_DIR.format(
                **dict(dataset="linear", model="lin", optimizer="gd", lr="0.1", batch="full", init=0, order=0)
            )
            + ".tsv"
        )
    )
    bench.parent.mkdir(parents=True)
    bench.write_text("s\th:m:s\tmax_rss\tcpu_time\n1.2\t0:00:01\t700\t1.0\n")
    proc = sgd_support(tmp_path, "plan")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "0 finished runs' benchmarks" in proc.stdout, proc.stdout

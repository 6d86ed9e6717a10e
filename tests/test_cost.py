"""The cost model, the SLURM requests it sizes, and `sgd-support plan|status`."""

import importlib
import math
import os
import re
import subprocess
import sys
import tomllib

import numpy as np
import pytest
import yaml
from conftest import REPO, tiny_config

from sgd_support.cli import command
from sgd_support.core import checkpoint_file
from sgd_support.core.storage import write_trajectory, write_weights
from sgd_support.sweep import cost, plan
from sgd_support.sweep.config_check import load_config
from sgd_support.sweep.runs import expand_runs
from sgd_support.sweep.status import CHECKPOINT, RUN_DIR

POINTS = [[100, 1.0], [10_000, 10.0], [1_000_000, 1000.0]]


def test_step_cost_interpolates_log_log_and_extends_the_last_slope():
    # float64 log-log interpolation and sums: measured deviation 0 in this file (AMD EPYC);
    # approx's default 1e-6 is far above rounding, far below a wrong point or slope
    assert cost.step_us(POINTS, 10_000) == pytest.approx(10.0)
    assert cost.step_us(POINTS, 1_000) == pytest.approx(10**0.5)  # halfway in log space
    assert cost.step_us(POINTS, 10) == 1.0  # flat below the first point
    assert cost.step_us(POINTS, 10**8) == pytest.approx(1000.0 * 100)  # the last slope (1) beyond


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(tiny_config()))
    return load_config(path)


def test_run_cost_is_start_plus_steps_times_step_cost(config):
    cal = cost.load_calibration()
    gd, sgd = (next(r for r in expand_runs(config) if r["optimizer"] == o) for o in ("gd", "sgd"))
    weights = 6 * 4 + 4 * 4 + 4  # d=6 -> 4 -> 4 -> 1
    relu = {**config, "models": {"lin": {**config["models"]["lin"], "activation": "relu"}}}
    est = cost.run_cost(relu, gd)
    assert est.engine == "numba" and not est.gpu and est.stratum == ("synthetic", weights, "full", "numba")
    assert est.cpu_s == pytest.approx(
        cal["job_start_s"]["numba"] + 300 * cost.step_us(cal["step_us"]["cpu"]["numba"], 400 * weights) / 1e6
    )
    assert cost.run_cost(relu, sgd).cpu_s < est.cpu_s  # batch 1 vs 400 rows per step
    # the linear network's GD runs on the linear engine, whose step's work is outputs x
    # (inputs^2 + weights) whatever the rows
    linear = cost.run_cost(config, gd)
    assert linear.engine == "linear" and linear.stratum == ("synthetic", weights, "full", "linear")
    assert linear.cpu_s == pytest.approx(
        cal["job_start_s"]["linear"]
        + 300 * cost.step_us(cal["step_us"]["cpu"]["linear"], 6 * 6 + weights) / 1e6
    )


def test_paper_grid_estimate_matches_its_measured_extrapolation():
    """docs/performance.md: the paper sample extrapolated to 5.5 CPU-hours of training."""
    config = load_config(REPO / "config" / "paper.yaml")
    total = sum(cost.run_cost(config, run).cpu_s for run in expand_runs(config)) / 3600
    assert 5.5 / 1.5 <= total <= 5.5 * 1.5


def test_slurm_limits_grow_with_the_run_and_the_attempt(config, monkeypatch):
    monkeypatch.delenv("SGD_SLURM_MIN_RUNTIME", raising=False)
    run = expand_runs(config)[0]
    short = cost.run_cost(config, run)
    optimizers = {**config["optimizers"], "gd": {**config["optimizers"]["gd"], "steps": 10**8}}
    long = cost.run_cost({**config, "optimizers": optimizers}, run)
    assert cost.slurm_runtime_min(short) == cost.MIN_RUNTIME_MIN  # the floor
    assert cost.slurm_runtime_min(long) == math.ceil(cost.SAFETY * long.node_s / 60) > cost.MIN_RUNTIME_MIN
    assert cost.slurm_runtime_min(long, attempt=2) == 2 * cost.slurm_runtime_min(long)
    monkeypatch.setenv("SGD_SLURM_MIN_RUNTIME", "1")
    assert cost.slurm_runtime_min(short) == 1
    assert cost.slurm_mem_mb(short) == math.ceil(1.5 * short.mem_mb) and cost.slurm_mem_mb(short, 3) % 3 == 0


def write_benchmark(root, run, cpu_s):
    path = root / "benchmarks" / (RUN_DIR.format(**run) + ".tsv")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"s\th:m:s\tmax_rss\tcpu_time\n{cpu_s * 1.2}\t0:00:01\t700\t{cpu_s}\n")


def finish(results, run, device="cpu"):
    """The run's trajectory as a training job leaves it: the metadata names its device."""
    folder = results / RUN_DIR.format(**run)
    folder.mkdir(parents=True, exist_ok=True)
    write_trajectory(folder / "trajectory.parquet", [{"step": 0}], "completed", {"device": device})


def test_finished_runs_scale_their_stratum_and_the_rest(config, tmp_path):
    runs = expand_runs(config)
    gd = next(r for r in runs if r["optimizer"] == "gd")
    write_benchmark(tmp_path, gd, 3 * cost.run_cost(config, gd).cpu_s)  # took 3x the estimate
    assert cost.measured(config, tmp_path) == []  # no trajectory: where it ran is not known
    finish(tmp_path, gd)
    found = cost.measured(config, tmp_path)
    assert [m.device for m in found] == ["cpu"]
    ratios = cost.ratios(found)
    stratum = cost.run_cost(config, gd).stratum
    assert ratios["cpu", stratum] == pytest.approx(3.0) and ratios["cpu", None] == pytest.approx(3.0)
    for run in runs:  # no other stratum measured: all scaled by the overall ratio
        assert cost.refined(cost.run_cost(config, run), ratios).cpu_s == pytest.approx(
            3 * cost.run_cost(config, run).cpu_s
        )


def test_benchmarks_scale_only_the_estimates_of_their_kind_of_device(tmp_path):
    """A GPU-kind run (torch on images) measured on a local CPU scales the CPU estimates,
    never its GPU-node estimate; one measured on a GPU scales the GPU-node estimate only.
    (Comparing CPU seconds with the GPU estimate made the default config's plan go from
    390 s to 880 s after a local run, against 501 s measured.)"""
    configfile = tmp_path / "config.yaml"
    configfile.write_text(
        yaml.safe_dump(
            tiny_config(
                datasets={"m5k": {"kind": "mnist_bundled"}},
                models={"mlp": {"widths": [128, 32], "activation": "relu"}},
                sweeps={
                    "img": {
                        "datasets": ["m5k"],
                        "models": ["mlp"],
                        "optimizers": ["sgd"],
                        "lrs": [0.1],
                        "batches": [16],
                        "init_seeds": [0],
                        "order_seeds": [0, 1],
                    }
                },
            )
        )
    )
    config = load_config(configfile)
    on_cpu, on_gpu = expand_runs(config)
    estimate = cost.run_cost(config, on_cpu)
    assert estimate.gpu and estimate.engine == "torch" and estimate.node_s != estimate.cpu_s
    write_benchmark(tmp_path, on_cpu, 2 * estimate.cpu_s)  # twice the CPU estimate, on a CPU
    finish(tmp_path, on_cpu, device="cpu")
    scaled = cost.refined(estimate, cost.ratios(cost.measured(config, tmp_path)))
    assert scaled.cpu_s == pytest.approx(2 * estimate.cpu_s)
    assert scaled.node_s == pytest.approx(estimate.node_s)  # the GPU estimate stays
    # now the other run measured on a GPU at 5x its GPU-node estimate (wall seconds, column s)
    path = tmp_path / "benchmarks" / (RUN_DIR.format(**on_gpu) + ".tsv")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"s\th:m:s\tmax_rss\tcpu_time\n{5 * estimate.node_s}\t0:00:01\t700\t0.5\n")
    finish(tmp_path, on_gpu, device="cuda")
    found = cost.measured(config, tmp_path)
    assert sorted(m.device for m in found) == ["cpu", "gpu"]
    scaled = cost.refined(estimate, cost.ratios(found))
    assert scaled.cpu_s == pytest.approx(2 * estimate.cpu_s)
    assert scaled.node_s == pytest.approx(5 * estimate.node_s)


def test_submissions_follow_the_profiles_bundling():
    counts = {"train_run": 65, "train_run_gpu": 2, "make_dataset": 3, "all": 1}
    components = yaml.safe_load((REPO / "slurm" / "config.yaml").read_text())["group-components"]["train"]
    assert plan.submissions(counts) == math.ceil(65 / components) + 2 + 3
    assert plan.submissions(counts, bundled=False) == 70
    # the Snakefile's local rules run in Snakemake's process: never a submission
    assert plan.submissions({**counts, "claims_checklist": 1, "final_summary": 1}) == plan.submissions(counts)


def test_local_rules_are_read_from_the_snakefiles_block(tmp_path):
    snakefile = tmp_path / "Snakefile"
    snakefile.write_text(
        'include: "x.smk"\n\n\nlocalrules:\n    all,\n    summary, checklist,\n\n\nrule all:\n'
    )
    assert plan.local_rules(snakefile) == {"all", "summary", "checklist"}
    assert {"all", "claims_checklist", "final_summary"} <= plan.LOCAL_RULES


def test_console_script_is_the_commands_main():
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    module, func = scripts["sgd-support"].split(":")
    assert getattr(importlib.import_module(module), func) is command.main


def test_status_reads_each_runs_state_and_repair_moves_damaged_files_aside(tmp_path):
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(tiny_config()))
    runs = expand_runs(load_config(configfile))  # gd, gd_wd, sgd x 2 batches x 2 orders: 6
    results = tmp_path / "results"
    for run, status in zip(runs, ["completed", "completed", "diverged", None, None, "completed"]):
        if status is not None:
            folder = results / RUN_DIR.format(**run)
            folder.mkdir(parents=True)
            write_trajectory(folder / "trajectory.parquet", [{"step": 0, "full_loss": 1.0}], status, {})
            write_weights(folder / "weights.parquet", [], {})
    checkpoint, cut = (results / CHECKPOINT.format(**run) for run in runs[3:5])
    checkpoint_file.write(checkpoint, {"key": "k", "step": 10}, {"w0": np.zeros(2)})
    checkpoint_file.write(cut, {"key": "k", "step": 10}, {"w0": np.zeros(2)})
    os.truncate(cut, 100)  # a checkpoint cut short
    trajectory = results / RUN_DIR.format(**runs[5]) / "trajectory.parquet"
    os.truncate(trajectory, 100)  # a finished run's trajectory cut short

    def sgd_support(*args: str) -> str:
        # as a user types it (this checkout's package, as the workflow's jobs import it)
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        cmd = [sys.executable, "-m", "sgd_support.cli.command", *args, "--results", str(results)]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout

    out = sgd_support("status", "--configfile", str(configfile))
    assert "total: 2 done, 1 diverged, 1 checkpoint, 0 missing, 0 stale, 2 damaged" in out, out
    assert f"  {cut}: BadZipFile: " in out and f"  {trajectory}: ArrowInvalid: " in out, out
    out = sgd_support("repair")
    assert "moved 2 damaged file(s) into" in out, out
    assert not cut.exists() and not trajectory.exists()
    (moved,) = (results / ".damaged").iterdir()  # one folder per repair, same relative paths
    assert (moved / trajectory.relative_to(results)).exists() and (moved / cut.relative_to(results)).exists()
    out = sgd_support("status", "--configfile", str(configfile))
    assert "total: 2 done, 1 diverged, 1 checkpoint, 2 missing, 0 stale, 0 damaged" in out, out
    assert "no damaged files under" in sgd_support("repair")


@pytest.mark.slow
def test_plan_prints_the_cost_per_stratum_and_in_total(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(tiny_config()))
    config = load_config(configfile)
    gd = next(r for r in expand_runs(config) if r["optimizer"] == "gd")
    write_benchmark(tmp_path / "results", gd, 2.0)
    finish(tmp_path / "results", gd)  # its trajectory says where it trained
    command.main(["plan", "--configfile", str(configfile), "--cores", "2"])
    out = capsys.readouterr().out
    assert "6 training runs" in out and "1 finished runs' benchmarks" in out, out
    # one row per stratum: full batch (gd, gd_wd share one) and batch sizes 1, 16
    assert len([line for line in out.splitlines() if line.startswith("synthetic ")]) == 3, out
    assert "total: 6 runs, 1,700 steps" in out  # 300 + 200 + 4 x 300
    # data set, init, kernels, 6 runs, aggregates, figures, claims: each a submission but
    # the 4 SGD runs and 2 GD runs, bundled into one
    assert "SLURM (slurm/ profile):" in out and "wall time on 2 local cores" in out


def test_calibration_table_is_what_the_docs_benchmark_outputs_say():
    """benchmarks/calibrate.py, fed the outputs printed in docs/performance.md,
    gives the stored table: the docs and the cost model tell the same numbers."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from calibrate import calibrate

    doc = (REPO / "docs" / "performance.md").read_text()
    outputs = {
        name: re.search(rf"```\n\$ [^\n]*{name}\.py[^\n]*\n(.*?)```", doc, flags=re.S)[1]
        for name in ("engine_speed", "job_start", "cuda_step", "linear_engine", "ensemble_speed")
    }
    stored = cost.load_calibration()
    table = calibrate(outputs, stored, stored["machine"]["cpu"])
    assert table["step_us"] == stored["step_us"]
    assert table["job_start_s"] == stored["job_start_s"]

"""Group jobs (training.group: cell) on a cluster: their cost, SLURM requests, GPU
placement (training.group_device) and what `sgd-support plan` says of them."""

import math
import os
import re
import subprocess

import pytest
import yaml
from conftest import BIN, REPO, tiny_config

from sgd_support.sweep import cost
from sgd_support.sweep.config_check import load_config
from sgd_support.sweep.placement import group_engine, group_uses_gpu
from sgd_support.sweep.plan import plan_report
from sgd_support.sweep.runs import expand_runs, run_spec, train_groups
from sgd_support.sweep.validation import ConfigError


def grouped(tmp_path, **training):
    config = tiny_config()
    config["training"].update(group="cell", **training)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path, load_config(path)


def test_a_cpu_group_costs_one_start_plus_its_runs(tmp_path):
    _, config = grouped(tmp_path)
    cal = cost.load_calibration()
    for runs in train_groups(expand_runs(config)).values():
        group = cost.group_cost(config, runs)
        each = [cost.run_cost(config, run) for run in runs]
        starts = {c.engine: cal["job_start_s"][c.engine] for c in each}
        steps_s = sum(c.cpu_s - starts[c.engine] for c in each)
        assert group_engine(config, runs) == "sequential" and not group.gpu
        assert group.cpu_s == pytest.approx(max(starts.values()) + steps_s + len(runs) * cal["group_run_s"])
        assert group.cpu_s < sum(c.cpu_s for c in each)  # one process start, not one per run
        assert group.mem_mb == max(c.mem_mb for c in each)


def test_group_limits_follow_their_size_and_the_attempt(tmp_path, monkeypatch):
    monkeypatch.setenv("SGD_SLURM_MIN_RUNTIME", "1")
    config = tiny_config()
    config["training"]["group"] = "cell"
    config["models"]["lin"]["activation"] = "relu"  # numba: a step's cost grows with the batch
    config["optimizers"]["sgd"]["steps"] = 2_000_000
    config["sweeps"]["tiny"].update(batches=[1, 128], order_seeds=list(range(8)))
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    config = load_config(path)
    groups = train_groups(expand_runs(config))
    small, large = (cost.group_cost(config, groups[f"dataset=linear/model=lin/batch={b}"]) for b in (1, 128))
    assert cost.slurm_runtime_min(small) < cost.slurm_runtime_min(large)
    assert cost.slurm_runtime_min(large) == math.ceil(cost.SAFETY * large.node_s / 60)
    assert cost.slurm_runtime_min(large, attempt=2) == 2 * cost.slurm_runtime_min(large)
    assert cost.slurm_mem_mb(large, 3) == 3 * cost.slurm_mem_mb(large)


def test_group_device_cuda_trains_every_group_as_a_gpu_ensemble(tmp_path):
    _, config = grouped(tmp_path, group_device="cuda")
    cal = cost.load_calibration()
    for runs in train_groups(expand_runs(config)).values():
        assert run_spec(config, runs[0]).engine == "torch"  # group.lockstep_engine: the ensemble
        assert group_engine(config, runs) == "ensemble" and group_uses_gpu(config, runs)
        group = cost.group_cost(config, runs)
        assert group.gpu and group.engine == "ensemble"
        assert group.node_s >= cal["job_start_s"]["cuda"] and group.mem_mb >= cal["base_mb"]["cuda"]
    # per-run jobs and numba-forced groups cannot take it
    for training in (
        {"group": "run", "group_device": "cuda"},
        {"group": "cell", "group_device": "cuda", "engine": "numba"},
    ):
        config = tiny_config()
        config["training"].update(training)
        path = tmp_path / "bad.yaml"
        path.write_text(yaml.safe_dump(config))
        with pytest.raises(ConfigError):
            load_config(path)


def test_ensemble_step_interpolates_in_k_at_the_nearest_rows():
    points = {1: [[1, 600.0], [100, 20.0]], 512: [[1, 700.0], [100, 120.0]]}
    assert cost.ensemble_step_us(points, 1, 100) == pytest.approx(100 * 20.0)
    assert cost.ensemble_step_us(points, 400, 1) == pytest.approx(700.0)  # 400 rows: nearest 512
    assert cost.ensemble_step_us(points, 1, 10) == pytest.approx(10 * (600 * 20) ** 0.5)  # log-log halfway


@pytest.mark.slow
def test_profile_dry_run_prints_each_groups_runtime_and_gpu_class(tmp_path):
    """`snakemake --profile slurm -n` with group_device: cuda: every train_group_<n>
    shows its own runtime and mem_mb, a GPU, and the profile's train_group_gpu class
    entries (GPU model, partition, CPUs per GPU)."""
    path, config = grouped(tmp_path, group_device="cuda")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SGD_SLURM_", "SLURM_"))},
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "SGD_SLURM_GPU_MODEL": "fake",
        "SGD_SLURM_GPU_PARTITION": "gpu",
    }
    cmd = [
        str(BIN / "snakemake"),
        "--profile",
        "slurm",
        "--directory",
        str(tmp_path),
        "--configfile",
        str(path),
        "-n",
    ]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    printed = dict(re.findall(r"rule (train_group_\d+):.*?resources: ([^\n]*)", proc.stdout, flags=re.S))
    groups = train_groups(expand_runs(config))
    assert len(printed) == len(groups)
    for index, runs in enumerate(groups.values()):
        resources = printed[f"train_group_{index}"]
        group = cost.group_cost(config, runs)
        assert f"runtime={cost.slurm_runtime_min(group)}" in resources
        assert f"mem_mb={cost.slurm_mem_mb(group)}" in resources
        for entry in ("gpu=1", "gpu_model=fake", "slurm_partition=gpu", "cpus_per_gpu=1"):
            assert entry in resources, resources


@pytest.mark.slow
def test_plan_counts_groups_and_their_submissions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path, config = grouped(tmp_path)
    lines = plan_report(path, 2, tmp_path / "results")
    groups = len(train_groups(expand_runs(config)))
    line = next(line for line in lines if line.startswith("groups (training.group: cell)"))
    assert f"{groups} group jobs (0 asking for a GPU)" in line and "one submission per group" in line
    # every group is one submission; the other jobs as without groups
    submissions = int(re.search(r"SLURM \(slurm/ profile\): (\d+) sbatch", "\n".join(lines))[1])
    assert submissions >= groups

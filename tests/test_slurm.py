"""`snakemake --profile slurm` against a real one-node SLURM cluster on localhost.

tests/slurm/start-slurm.sh installs Debian's slurm-wlm and munge if missing and
starts munged, slurmctld and slurmd (two fake GPUs, partitions "debug" and "gpu");
stop-slurm.sh stops them by PID at the end, also when a test fails. Skipped where
that cannot work (not root, no SLURM and no apt-get, a real /etc/slurm/slurm.conf).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import BIN, REPO, run_snakemake, tiny_config

from sgd_support.sweep.config_check import load_config
from sgd_support.sweep.cost import group_cost, run_cost, slurm_mem_mb, slurm_runtime_min
from sgd_support.sweep.runs import expand_runs, train_groups
from sgd_support.sweep.status import RUN_DIR

HARNESS = REPO / "tests" / "slurm"
sys.path.insert(0, str(HARNESS))
from count_submissions import count_submissions  # noqa: E402

pytestmark = pytest.mark.slow
RUN_TARGET = f"results/{RUN_DIR}/trajectory.parquet"
# Fast status polling for seconds-long jobs (the profile's 40 s suit real clusters).
FAST_POLLING = ("--slurm-init-seconds-before-status-checks", "2", "--seconds-between-status-checks", "2")


def slurm_config() -> dict:
    """Two CPU runs (bundled into one submission) and one GPU run: digits with a
    cross-entropy head, which only the torch engine trains (numba runs ask for no GPU)."""
    config = tiny_config()
    config["datasets"]["digits"] = {"kind": "digits"}
    config["models"]["w16"] = {"widths": [16], "loss": "cross_entropy"}
    config["optimizers"] = {"gd": {"batch": "full", "steps": 100}, "sgd": {"steps": 100}}
    common = {"lrs": [0.1], "batches": [16], "init_seeds": [0], "order_seeds": [0]}
    config["sweeps"] = {
        "cpu": {"datasets": ["linear"], "models": ["lin"], "optimizers": ["gd", "sgd"], **common},
        "gpu": {"datasets": ["digits"], "models": ["w16"], "optimizers": ["sgd"], **common},
    }
    return config


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("starting SLURM daemons needs root")
    if not shutil.which("slurmctld") and not shutil.which("apt-get"):
        pytest.skip("no SLURM installed and no apt-get to install it")
    prefix = tmp_path_factory.mktemp("slurm")
    env = {**os.environ, "PREFIX": str(prefix), "FAKE_GPUS": "2"}
    try:
        start = subprocess.run(
            [HARNESS / "start-slurm.sh"], env=env, capture_output=True, text=True, timeout=600
        )
        if start.returncode == 3:
            pytest.skip(start.stderr.strip())
        assert start.returncode == 0, f"start-slurm.sh failed:\n{start.stdout}\n{start.stderr}"
        yield prefix
    finally:
        subprocess.run([HARNESS / "stop-slurm.sh"], env=env, capture_output=True, timeout=120)


def snakemake_slurm(workdir: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`snakemake --profile slurm ...` typed in the repository root, working in ``workdir``."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("SGD_SLURM_", "SLURM_"))}
    env = {**clean, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    cmd = [str(BIN / "snakemake"), "--profile", "slurm", "--directory", str(workdir), *args]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)


def slurm_jobs(run_log: str) -> list[dict]:
    """The SLURM jobs of one Snakemake run (its run ID is their job name), from scontrol."""
    run_id = re.search(r"SLURM run ID: (\S+)", run_log).group(1)
    out = subprocess.run(["scontrol", "-d", "-o", "show", "job"], capture_output=True, text=True, check=True)
    jobs = []
    for line in out.stdout.splitlines():
        # "Key=value" pairs; values (Comment, TRES) have no spaces here
        fields = dict(re.findall(r"(\w+)=(\S*)", line))
        if fields.get("JobName") == run_id:
            jobs.append(fields)
    return sorted(jobs, key=lambda job: int(job["JobId"]))


def print_jobs(jobs: list[dict]) -> None:
    print(
        f"{'JobId':>5} {'State':<10} {'Partition':<9} {'CPUs':>4}  {'TRES':<30} "
        f"{'GRES (allocated)':<16} Comment"
    )
    for job in jobs:
        print(
            f"{job['JobId']:>5} {job['JobState']:<10} {job['Partition']:<9} {job['NumCPUs']:>4}  "
            f"{job['TRES']:<30} {job['JOB_GRES']:<16} {job['Comment']}"
        )


def parquet_frames(root: Path) -> dict[str, pd.DataFrame]:
    """Every Parquet file under ``root``: relative path -> its data columns."""
    return {str(path.relative_to(root)): pd.read_parquet(path) for path in sorted(root.rglob("*.parquet"))}


def test_profile_runs_the_workflow_on_slurm_like_locally(slurm_cluster, tmp_path):
    config = slurm_config()
    workdir = tmp_path / "slurm"
    workdir.mkdir()
    configfile = workdir / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    cores = os.cpu_count()  # a bundle must fit the test node
    args = ("--configfile", str(configfile), "--cores", str(cores))
    gpu_env = {"SGD_SLURM_GPU_MODEL": "fake", "SGD_SLURM_GPU_PARTITION": "gpu"}

    dry = snakemake_slurm(workdir, *args, "--dry-run", env=gpu_env)
    assert dry.returncode == 0, dry.stderr[-4000:]
    expected_submissions = count_submissions(dry.stdout)

    # the local run of the same config, for comparison, meanwhile
    local = ThreadPoolExecutor(1).submit(run_snakemake, tmp_path / "local", config)
    t0 = time.monotonic()
    proc = snakemake_slurm(workdir, *args, *FAST_POLLING, env=gpu_env)
    wall = time.monotonic() - t0
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"snakemake --profile slurm failed:\n{log[-8000:]}"
    jobs = slurm_jobs(log)
    print(f"\nsnakemake --profile slurm: {wall:.0f} s, {len(jobs)} sbatch submissions")
    print_jobs(jobs)

    # one submission per data set and per init, one for compiling the numba kernels,
    # one bundle for both CPU runs, one GPU job, and the aggregation/figure/report jobs
    assert len(jobs) == expected_submissions
    assert all(job["JobState"] == "COMPLETED" for job in jobs)
    by_rule = {re.sub(r"_wildcards_.*", "", job["Comment"]): job for job in jobs}
    bundle, gpu_job = by_rule["rule_train_train_run"], by_rule["rule_train_run_gpu"]
    # the GPU request reached SLURM: one GPU of model "fake" allocated, in partition gpu
    assert gpu_job["TresPerJob"] == "gres:gpu:fake:1"
    assert gpu_job["JOB_GRES"] == "gpu:fake:1"
    assert gpu_job["CpusPerTres"] == "gres:gpu:1"
    assert gpu_job["Partition"] == "gpu"
    # and nothing else asked for or got one
    assert "rule_compile_engine" in by_rule
    for job in jobs:
        if job is not gpu_job:
            assert job["JOB_GRES"] == "(null)" and "TresPerJob" not in job, job
            assert job["Partition"] == "debug"
    assert sum(c.startswith("rule_train_run_gpu") for c in by_rule) == 1  # GPU runs are not bundled
    # the bundle ran both CPU runs side by side (given 2 CPUs): 1 CPU each and the
    # memory the cost model asks for each run
    width = min(2, cores)
    filled = load_config(configfile)
    cpu_runs = [run for run in expand_runs(filled) if run["dataset"] == "linear"]
    mems = sorted(slurm_mem_mb(run_cost(filled, run)) for run in cpu_runs)
    assert bundle["TRES"].startswith(f"cpu={width},mem={sum(mems[-width:])}M")
    # SLURM logs of successful jobs are kept
    slurm_logs = list((workdir / ".snakemake" / "slurm_logs").rglob("*.log"))
    assert len(slurm_logs) == len(jobs)

    # the same results as a local run of the same config, value for value (NaN == NaN)
    local.result(timeout=900)
    slurm_frames = parquet_frames(workdir / "results" / "runs")
    local_frames = parquet_frames(tmp_path / "local" / "results" / "runs")
    assert sorted(slurm_frames) == sorted(local_frames)
    assert len(local_frames) == 6  # 3 runs x (trajectory, weights)
    for name, frame in local_frames.items():
        pd.testing.assert_frame_equal(slurm_frames[name], frame, check_exact=True, obj=name)


def limit_minutes(limit: str) -> int:
    """scontrol's TimeLimit ([D-]HH:MM:SS or MM:SS) in minutes."""
    days, _, clock = limit.rpartition("-")
    parts = [int(p) for p in clock.split(":")]
    h, m, sec = [0] * (3 - len(parts)) + parts
    return int(days or 0) * 1440 + h * 60 + m + math.ceil(sec / 60)


def test_training_jobs_get_time_limits_from_the_cost_model(slurm_cluster, tmp_path, monkeypatch):
    """A 100-step SGD run and a 25,000-step GD run on 4,000 rows, each its own
    submission: the cost model gives them different limits (1 and 2 minutes with a
    1-minute floor), and SLURM holds each job to its own."""
    monkeypatch.setenv("SGD_SLURM_MIN_RUNTIME", "1")
    config = tiny_config()
    config["datasets"]["wide"] = {"kind": "synthetic", "target": "linear", "n": 2000, "d": 15, "r": 5}
    # ReLU: the numba engine steps through all rows (a linear network's GD would take the
    # linear engine, whose step does not grow with the rows)
    config["models"] = {"m": {"widths": [15, 15, 15], "activation": "relu"}}
    config["optimizers"] = {"short": {"steps": 100}, "long": {"batch": "full", "steps": 25000}}
    config["sweeps"] = {
        "t": {
            "datasets": ["wide"],
            "models": ["m"],
            "optimizers": ["short", "long"],
            "lrs": [0.1],
            "batches": [16],
            "init_seeds": [0],
            "order_seeds": [0],
        }
    }
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    runs = expand_runs(load_config(configfile))
    expected = {run["optimizer"]: slurm_runtime_min(run_cost(load_config(configfile), run)) for run in runs}
    assert expected["short"] == 1 < expected["long"], expected
    targets = [RUN_TARGET.format(**run) for run in runs]
    proc = snakemake_slurm(
        tmp_path,
        "--configfile",
        str(configfile),
        "--group-components",
        "train=1",
        *FAST_POLLING,
        *targets,
        env={"SGD_SLURM_MIN_RUNTIME": "1"},
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-8000:]
    jobs = slurm_jobs(log)
    print_jobs(jobs)
    # Each run is a group job of one ("rule_train_train_run", no wildcards in the
    # comment); both are submitted at once, so the first two are their first attempts
    # (a retry after a TIMEOUT would ask for twice the limit).
    train = [job for job in jobs if job["Comment"] == "rule_train_train_run"][:2]
    limits = [job["TimeLimit"] for job in train]
    print(f"training jobs' TimeLimit: {limits}; cost model, minutes: {expected}")
    assert sorted(map(limit_minutes, limits)) == sorted(expected.values())


def test_group_jobs_get_time_limits_from_the_cost_model_and_gpu_groups_a_gpu(
    slurm_cluster, tmp_path, monkeypatch
):
    """training.group: cell: a group of two 100-step SGD runs and a group of one
    25,000-step GD run on 4,000 rows (CPU groups, the long one 2 minutes against 1 with a
    1-minute floor), and a digits group whose cross-entropy runs train on torch: it asks
    for a GPU, and the profile's class entry train_group_gpu gives it the GPU model and
    partition as it does train_run_gpu."""
    config = slurm_config()
    config["datasets"]["wide"] = {"kind": "synthetic", "target": "linear", "n": 2000, "d": 15, "r": 5}
    config["models"]["m"] = {"widths": [15, 15, 15], "activation": "relu"}  # numba: GD through all rows
    config["optimizers"].update(short={"steps": 100}, long={"batch": "full", "steps": 25000})
    config["training"]["group"] = "cell"
    common = {"lrs": [0.1], "batches": [16], "init_seeds": [0]}
    config["sweeps"] = {
        "cpu": {
            "datasets": ["wide"],
            "models": ["m"],
            "optimizers": ["short", "long"],
            "order_seeds": [0, 1],
            **common,
        },
        "gpu": {
            "datasets": ["digits"],
            "models": ["w16"],
            "optimizers": ["sgd"],
            "order_seeds": [0],
            **common,
        },
    }
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    env = {"SGD_SLURM_MIN_RUNTIME": "1", "SGD_SLURM_GPU_MODEL": "fake", "SGD_SLURM_GPU_PARTITION": "gpu"}
    monkeypatch.setenv("SGD_SLURM_MIN_RUNTIME", "1")  # the cost model reads the floor from it
    filled = load_config(configfile)
    groups = train_groups(expand_runs(filled))
    expected = {name: slurm_runtime_min(group_cost(filled, runs)) for name, runs in groups.items()}
    short, long = "dataset=wide/model=m/batch=16", "dataset=wide/model=m/batch=full"
    assert expected[short] == 1 < expected[long], expected
    targets = [RUN_TARGET.format(**run) for runs in groups.values() for run in runs]
    args = ("--configfile", str(configfile), *FAST_POLLING, *targets)
    dry = snakemake_slurm(tmp_path, *args, "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr[-4000:]
    # the dry run prints each group job's runtime (what `snakemake --profile slurm -n` shows)
    printed = re.findall(r"rule (train_group_\d+):.*?resources: ([^\n]*)", dry.stdout, flags=re.S)
    assert len(printed) == len(groups) and all("runtime=" in res for _, res in printed), dry.stdout[-4000:]
    proc = snakemake_slurm(tmp_path, *args, env=env)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-8000:]
    jobs = slurm_jobs(log)
    print_jobs(jobs)
    train = {job["Comment"]: job for job in jobs if job["Comment"].startswith("rule_train_group_")}
    assert len(train) == 3 and all(job["JobState"] == "COMPLETED" for job in train.values())
    names = list(groups)  # train_group_<n>: n is the group's index in the sweep
    limits = {names[int(c.rsplit("_", 1)[1])]: limit_minutes(job["TimeLimit"]) for c, job in train.items()}
    print(f"group jobs' time limits, minutes: {limits}; cost model: {expected}")
    assert limits == expected
    gpu_group = train[f"rule_train_group_{names.index('dataset=digits/model=w16/batch=16')}"]
    assert gpu_group["TresPerJob"] == "gres:gpu:fake:1" and gpu_group["JOB_GRES"] == "gpu:fake:1"
    assert gpu_group["Partition"] == "gpu" and gpu_group["CpusPerTres"] == "gres:gpu:1"
    for job in train.values():
        if job is not gpu_group:
            assert job["JOB_GRES"] == "(null)" and job["Partition"] == "debug", job


def test_failing_job_is_retried_then_reported_with_its_slurm_log(slurm_cluster, tmp_path):
    snakefile = HARNESS / "failing.smk"
    retries = yaml.safe_load((REPO / "slurm" / "config.yaml").read_text())["retries"]
    proc = snakemake_slurm(tmp_path, "--snakefile", str(snakefile), *FAST_POLLING)
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, log[-4000:]
    jobs = slurm_jobs(log)
    print_jobs(jobs)
    attempts = {
        rule: [job["JobState"] for job in jobs if job["Comment"] == f"rule_{rule}"]
        for rule in ("ok", "flaky", "broken")
    }
    # keep-going: the healthy job finished; retries: the flaky one on its 2nd attempt
    assert attempts["ok"] == ["COMPLETED"]
    assert attempts["flaky"] == ["FAILED", "COMPLETED"]
    assert (tmp_path / "ok.txt").exists() and (tmp_path / "flaky.txt").exists()
    # the broken one ran 1 + retries times, then was reported with its SLURM log
    assert attempts["broken"] == ["FAILED"] * (1 + retries)
    last = max(int(job["JobId"]) for job in jobs if job["Comment"] == "rule_broken")
    slurm_log = tmp_path / ".snakemake" / "slurm_logs" / "rule_broken" / f"{last}.log"
    assert slurm_log.exists()
    assert "Error in rule broken" in log and str(slurm_log) in log
    assert "SLURM status is: 'FAILED'" in log

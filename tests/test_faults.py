"""Fault tests on the real workflow: killed jobs, a killed workflow, divergence,
determinism. Each starts ``snakemake`` as a user would and reads what it wrote."""

import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import psutil
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import run_snakemake, snakemake_command, tiny_config

from sgd_support.core.data.store import load_dataset
from sgd_support.core.models import load_weights
from sgd_support.core.storage import open_sweep, read_metadata, read_trajectory, read_weights
from sgd_support.core.training import spec_from_dict, train

pytestmark = pytest.mark.slow

RUN = "dataset=linear/model=lin/optimizer={opt}/lr=0.1/batch={batch}/init=0/order=0"
LONG = {"gd": "full", "sgd": "8"}  # optimizer -> batch of the long runs
STEPS = 12000  # ~6 s per run with the torch engine on one busy core


def long_config() -> dict:
    """One GD and one SGD run long enough to be killed mid-run (torch engine: exact)."""
    config = tiny_config(
        training={"engine": "torch"}, recording={"dense_until": 10, "per_decade": 10, "every": 500}
    )
    config["optimizers"] = {"gd": {"batch": "full", "steps": STEPS}, "sgd": {"steps": STEPS}}
    config["sweeps"]["tiny"].update(optimizers=["gd", "sgd"], batches=[8], order_seeds=[0])
    return config


def start_snakemake(workdir: Path, config: dict, *args: str) -> subprocess.Popen:
    cmd, env = snakemake_command(workdir, config, *args)
    return subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )


def training_processes(proc: subprocess.Popen) -> list[psutil.Process]:
    """The training jobs this snakemake started (python -m sgd_support.cli.train)."""
    out = []
    for child in psutil.Process(proc.pid).children(recursive=True):
        try:
            cmdline = child.cmdline()
        except psutil.NoSuchProcess:
            continue
        if "sgd_support.cli.train" in cmdline and cmdline[0].endswith(("python", "python3")):
            out.append(child)
    return out


def checkpoint_step(path: Path) -> int:
    if not path.exists():
        return -1
    import json

    with np.load(path) as f:
        return json.loads(str(f["meta"]))["step"]


def wait_for(condition, proc: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"snakemake ended before the kill:\n{proc.stdout.read()[-4000:]}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the training jobs")
        time.sleep(0.02)


def outputs(workdir: Path, opt: str) -> list[Path]:
    run = workdir / "results" / "runs" / RUN.format(opt=opt, batch=LONG[opt])
    return [run / "trajectory.parquet", run / "weights.parquet"]


def checkpoint(workdir: Path, opt: str) -> Path:
    return workdir / "results" / "checkpoints" / (RUN.format(opt=opt, batch=LONG[opt]) + ".npz")


def assert_no_partial_outputs(workdir: Path) -> None:
    """Nothing at an output path unless it is a complete file that reads back."""
    for opt in LONG:
        for path in outputs(workdir, opt):
            if path.exists():  # a complete file is allowed (the other output may be missing)
                read_metadata(path)


def columns(path: Path) -> dict[str, np.ndarray]:
    """Every data column of a Parquet file as numpy (list columns flattened)."""
    table = pq.read_table(path)
    out = {}
    for name in table.column_names:
        col = table[name].combine_chunks()
        out[name] = np.asarray(pc.list_flatten(col) if hasattr(col.type, "value_type") else col)
    return out


def uninterrupted(workdir: Path, opt: str):
    """The same run trained in one go, in this process, from the job's own inputs."""
    meta = read_metadata(outputs(workdir, opt)[0])
    data = load_dataset(workdir / "results" / "data" / "dataset=linear.npz")
    init = load_weights(workdir / "results" / "init" / "dataset=linear" / "model=lin" / "init=0.npz")
    return train(data, init, spec_from_dict(meta["spec"]))


def test_preempted_training_jobs_resume_on_rerun_to_the_same_trajectory(tmp_path):
    """SIGKILL each training job (as SLURM preemption would) after a checkpoint; the
    same snakemake command run again resumes both from their checkpoints."""
    config = long_config()
    args = ("--set-resources", "train_run:checkpoint_every_s=0")  # checkpoint at every record step
    proc = start_snakemake(tmp_path, config, *args)
    try:
        wait_for(lambda: all(checkpoint_step(checkpoint(tmp_path, o)) >= STEPS // 4 for o in LONG), proc)
        killed = training_processes(proc)
        assert len(killed) == 2
        for job in killed:
            job.send_signal(signal.SIGKILL)
        log = proc.communicate(timeout=120)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0 and "Error in rule train_run" in log
    assert_no_partial_outputs(tmp_path)
    steps_at_kill = {o: checkpoint_step(checkpoint(tmp_path, o)) for o in LONG}
    assert all(STEPS // 4 <= s < STEPS for s in steps_at_kill.values()), steps_at_kill

    run_snakemake(tmp_path, config, *args)  # the same command again

    for opt, batch in LONG.items():
        job_log = (tmp_path / "logs" / "runs" / (RUN.format(opt=opt, batch=batch) + ".log")).read_text()
        assert "resumed from checkpoint at step" in job_log
        resumed_at = int(job_log.split("resumed from checkpoint at step ")[1].split()[0])
        assert resumed_at >= steps_at_kill[opt]
        assert not checkpoint(tmp_path, opt).exists()  # removed after success
        trajectory, weights = outputs(tmp_path, opt)
        df = read_trajectory(trajectory)
        assert df["step"].iloc[-1] == STEPS and (df["status"] == "completed").all()
        reference = uninterrupted(tmp_path, opt)
        assert df["step"].tolist() == [r["step"] for r in reference.rows]
        for name in df.columns.drop("status"):
            np.testing.assert_array_equal(
                df[name].to_numpy(), [r[name] for r in reference.rows], err_msg=name
            )
        snaps = read_weights(weights)
        assert sorted(snaps) == [s for s, _ in reference.snapshots]
        for step, ws in reference.snapshots:
            for a, b in zip(snaps[step], ws):
                np.testing.assert_array_equal(a, b)
    assert not [p for p in (tmp_path / "results" / "checkpoints").rglob("*") if p.is_file()]


def test_killed_workflow_leaves_no_partial_parquet_and_reruns(tmp_path):
    """SIGKILL snakemake and its jobs together (node lost, scheduler kill): no partial
    Parquet at any output path; `snakemake --unlock` then `--rerun-incomplete` finishes."""
    config = long_config()
    config["sweeps"]["tiny"]["optimizers"] = ["gd"]
    args = ("--set-resources", "train_run:checkpoint_every_s=0")
    proc = start_snakemake(tmp_path, config, *args)
    try:  # kill mid-run: once a checkpoint shows a quarter of the steps done
        wait_for(lambda: checkpoint_step(checkpoint(tmp_path, "gd")) >= STEPS // 4, proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # snakemake and everything it started
        proc.communicate(timeout=60)
    assert not outputs(tmp_path, "gd")[0].exists() and not outputs(tmp_path, "gd")[1].exists()
    assert_no_partial_outputs(tmp_path)
    assert not list((tmp_path / "results" / "runs").rglob("*.parquet"))  # (hidden temporaries excluded)

    locked = run_snakemake(tmp_path, config, *args, check=False)
    assert locked.returncode != 0 and "--unlock" in locked.stdout + locked.stderr
    run_snakemake(tmp_path, config, "--unlock")
    run_snakemake(tmp_path, config, "--rerun-incomplete", *args)
    job_log = (tmp_path / "logs" / "runs" / (RUN.format(opt="gd", batch="full") + ".log")).read_text()
    assert "resumed from checkpoint at step" in job_log
    df = read_trajectory(outputs(tmp_path, "gd")[0])
    assert df["step"].iloc[-1] == STEPS and (df["status"] == "completed").all()
    assert sorted(read_weights(outputs(tmp_path, "gd")[1]))[-1] == STEPS
    # the killed writer's hidden temporaries (if any) were replaced by the real files
    assert {p.name for p in outputs(tmp_path, "gd")[0].parent.iterdir()} == {
        "trajectory.parquet",
        "weights.parquet",
    }


def test_diverging_runs_are_recorded_and_the_workflow_completes(tmp_path):
    # lr 1e7: the first (clipped, norm <= 1) step already takes weights past the 1e6 bound
    # (non-finite losses are covered in test_resume.py)
    config = tiny_config()
    config["sweeps"]["tiny"].update(optimizers=["gd", "sgd"], lrs=[1e7], batches=[16], order_seeds=[0])
    config["sweeps"]["ok"] = {**config["sweeps"]["tiny"], "optimizers": ["gd"], "lrs": [0.1]}
    run_snakemake(tmp_path, config)  # completes although two runs diverge
    sweep = open_sweep(tmp_path / "results" / "runs").to_table().to_pandas()
    status = sweep.groupby(["optimizer", "lr"])["status"].unique().map(list).to_dict()
    assert status == {
        ("gd", "0.1"): ["completed"],
        ("gd", "10000000.0"): ["diverged"],
        ("sgd", "10000000.0"): ["diverged"],
    }
    for opt, batch in (("gd", "full"), ("sgd", "16")):
        run = (
            tmp_path
            / "results"
            / "runs"
            / f"dataset=linear/model=lin/optimizer={opt}/lr=10000000.0/batch={batch}/init=0/order=0"
        )
        meta = read_metadata(run / "trajectory.parquet")
        df = read_trajectory(run / "trajectory.parquet")
        step = meta["diverged_step"]
        assert meta["status"] == "diverged" and step == 1
        assert df["step"].iloc[-1] == step == meta["steps_done"]  # it stopped there
        last = df.iloc[-1]
        assert not np.isfinite(last["full_loss"]) or last["total_norm"] > 1e6
        assert read_metadata(run / "weights.parquet")["status"] == "diverged"
        assert max(read_weights(run / "weights.parquet")) == step  # the state it stopped in
    assert not [p for p in (tmp_path / "results" / "checkpoints").rglob("*") if p.is_file()]


def test_same_config_twice_gives_identical_data_columns(tmp_path):
    config = tiny_config()  # default engine
    config["sweeps"]["tiny"].update(optimizers=["gd_wd", "sgd"], batches=[16], order_seeds=[1])
    first, second = tmp_path / "first", tmp_path / "second"
    run_snakemake(first, config)
    run_snakemake(second, config)
    files = sorted(p.relative_to(first) for p in (first / "results" / "runs").rglob("*.parquet"))
    assert len(files) == 4
    assert files == sorted(p.relative_to(second) for p in (second / "results" / "runs").rglob("*.parquet"))
    for rel in files:
        a, b = columns(first / rel), columns(second / rel)
        assert a.keys() == b.keys()
        for name in a:
            np.testing.assert_array_equal(a[name], b[name], err_msg=f"{rel}: {name}")
    # provenance names what could break it
    meta = read_metadata(first / files[0])
    assert {"engine", "device"} <= set(meta)  # + the engine's library version (torch or numba)
    library = {"numba": "numba", "linear": "numba", "torch": "torch"}[meta["engine"]]  # linear: numba kernels
    assert library in meta
    prov = meta["provenance"]
    assert {"numpy", "pyarrow", "python"} <= set(prov["versions"]) and prov["code_hash"] and prov["cpu"]
    assert prov["numerics"]["env"]["OMP_NUM_THREADS"] == "1"

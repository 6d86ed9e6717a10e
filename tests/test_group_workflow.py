"""training.group: cell through the real snakemake CLI: one job per (dataset, model,
batch size) writes every run's own Parquet files, equal to what per-run jobs write
(within float32 rounding: the ensemble engine against the torch engine), reruns
nothing when nothing changed, and a killed group resumes from its checkpoint."""

import os
import signal

import numpy as np
import psutil
import pytest
from conftest import run_snakemake, tiny_config
from envelopes import assert_rows_like_twin, assert_weights_like_twin, rounding_twin
from test_faults import start_snakemake, wait_for

from sgd_support.core.data.store import load_dataset
from sgd_support.core.models import load_weights
from sgd_support.core.storage import read_metadata, read_trajectory, read_weights
from sgd_support.core.training import spec_from_dict, train
from sgd_support.sweep.runs import expand_runs

pytestmark = pytest.mark.slow

RUNS = "results/runs"
RUN_DIR = (
    "dataset={dataset}/model={model}/optimizer={optimizer}/lr={lr}/batch={batch}/init={init}/order={order}"
)


def cell_config(group: str, steps: int = 300, engine: str = "torch") -> dict:
    """A paper cell in small: the paper's linear data set (d=15, r=5, 10,000 rows) and
    linear MLP 3x15, lr 0.1, GD, GD+wd (30 steps: it is chaotic, two engines 1e-2 apart
    by step 100 on 1,000 rows) and SGD b in {32, 128} x 2 order seeds (SGD-1 is chaotic
    too: 4e-3 apart by step 300; tests/test_ensemble.py compares it in distribution)."""
    config = tiny_config(training={"engine": engine, "group": group})
    config["datasets"]["linear"].update(n=5000, d=15, r=5)
    config["models"] = {"lin": {"widths": [15, 15, 15], "activation": "identity"}}
    config["optimizers"] = {
        "gd": {"batch": "full", "steps": steps},
        "gd_wd": {"batch": "full", "steps": 30, "weight_decay": 0.1},
        "sgd": {"steps": steps},
    }
    config["sweeps"]["tiny"].update(batches=[32, 128], order_seeds=[0, 1])
    return config


def run_targets(config) -> list[str]:
    """Every run's two files: the training jobs only (not the figures and report)."""
    runs = expand_runs(config)
    return [
        f"{RUNS}/{RUN_DIR.format(**run)}/{name}"
        for run in runs
        for name in ("trajectory.parquet", "weights.parquet")
    ]


def run_dirs(workdir):
    return sorted(p.parent.relative_to(workdir / RUNS) for p in (workdir / RUNS).rglob("trajectory.parquet"))


# engine torch: groups train as ensembles (as on a GPU), per-run jobs on the torch engine;
# engine auto on a CPU: groups run the numba engine one run after another, as per-run jobs.
@pytest.fixture(scope="module", params=["torch", "auto"])
def per_run_and_grouped(request, tmp_path_factory):
    dirs = {"engine": request.param}
    for group in ("run", "cell"):
        dirs[group] = tmp_path_factory.mktemp(group)
        config = cell_config(group, engine=request.param)
        run_snakemake(dirs[group], config, *run_targets(config))
    return dirs


def rounding_twin_run(workdir, run):
    """A per-run job's run retrained in this process, its init one ulp away and its lr
    one ulp up (tests/envelopes.py): the same data and engine, so its distance from the
    job's files is what float32 rounding alone moves them, on this CPU."""
    spec = spec_from_dict(read_metadata(workdir / RUNS / run / "trajectory.parquet")["spec"])
    parts = dict(part.split("=", 1) for part in run.parts)
    data = load_dataset(workdir / "results" / "data" / f"dataset={parts['dataset']}.npz")
    init_file = f"results/init/dataset={parts['dataset']}/model={parts['model']}/init={parts['init']}.npz"
    return rounding_twin(train, data, load_weights(workdir / init_file), spec)


def test_groups_write_the_same_files_as_per_run_jobs(per_run_and_grouped):
    per_run, grouped = per_run_and_grouped["run"], per_run_and_grouped["cell"]
    ensemble = per_run_and_grouped["engine"] == "torch"  # numba groups: the same bits
    assert run_dirs(grouped) == run_dirs(per_run) and len(run_dirs(grouped)) == 6
    assert len(list((grouped / "logs" / "groups").rglob("*.log"))) == 3  # full, 32, 128
    for run in run_dirs(per_run):
        ours, theirs = (read_trajectory(d / RUNS / run / "trajectory.parquet") for d in (grouped, per_run))
        assert list(ours.columns) == list(theirs.columns) and ours["step"].tolist() == theirs["step"].tolist()
        assert (ours["status"] == "completed").all()
        w_ours, w_theirs = (read_weights(d / RUNS / run / "weights.parquet") for d in (grouped, per_run))
        assert sorted(w_ours) == sorted(w_theirs)
        if ensemble:
            # The ensemble's float32 sums differ from the single-run engine's: norms and
            # losses at every recorded step, and the weights at every snapshot, within
            # MULTIPLE (10) x the rounding envelope measured here (tests/envelopes.py)
            twin = rounding_twin_run(per_run, run)
            assert_rows_like_twin(ours, theirs, twin.rows, str(run))
            moved = dict(twin.snapshots)
            for step in w_ours:
                assert_weights_like_twin(w_ours[step], w_theirs[step], moved[step], f"{run} step {step}")
        else:
            for name in ours.columns.drop("status"):
                np.testing.assert_array_equal(ours[name], theirs[name], err_msg=f"{run} {name}")
            for step in w_ours:
                for a, b in zip(w_ours[step], w_theirs[step]):
                    np.testing.assert_array_equal(a, b, err_msg=f"{run} {step}")
        meta, other = (read_metadata(d / RUNS / run / "trajectory.parquet") for d in (grouped, per_run))
        assert set(meta) - set(other) == ({"group", "ensemble_size"} if ensemble else {"group"})
        groups = meta["config"]["training"].pop("group"), other["config"]["training"].pop("group")
        assert groups == ("cell", "run")
        assert meta["config"] == other["config"] and meta["spec"] == other["spec"]
        # a CPU group trains each run on the engine its own job would (numba, or linear for
        # the linear network's GD and SGD from b=32)
        assert meta["engine"] == ("ensemble" if ensemble else other["engine"]) and meta["group"][
            "name"
        ].startswith("dataset=linear/model=lin/batch=")
        assert meta["provenance"]["code_hash"] == other["provenance"]["code_hash"]


def test_a_finished_group_is_not_rerun(per_run_and_grouped):
    config = cell_config("cell", engine=per_run_and_grouped["engine"])
    proc = run_snakemake(per_run_and_grouped["cell"], config, "-n", *run_targets(config))
    assert "Nothing to be done" in proc.stdout + proc.stderr


def group_processes(proc):
    out = []
    for child in psutil.Process(proc.pid).children(recursive=True):
        try:
            if any("train_group" in part for part in child.cmdline()[1:2]):
                out.append(child)
        except psutil.NoSuchProcess:
            continue
    return out


def test_a_killed_group_leaves_no_partial_parquet_and_resumes(tmp_path):
    config = cell_config("cell", steps=12000)
    config["sweeps"]["tiny"].update(optimizers=["sgd"], batches=[8])
    config["recording"].update(every=500)
    args = ("--set-resources", "train_group_0:checkpoint_every_s=0")
    ckpt = tmp_path / "results" / "checkpoints" / "groups" / "dataset=linear" / "model=lin" / "batch=8.e0.npz"
    proc = start_snakemake(tmp_path, config, *run_targets(config), *args)  # targets first: nargs
    try:
        wait_for(lambda: ckpt.exists() and group_processes(proc), proc)
        for job in group_processes(proc):
            job.send_signal(signal.SIGKILL)
        log = proc.communicate(timeout=120)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0 and "Error in rule train_group_0" in log
    assert not list((tmp_path / RUNS).rglob("*.parquet"))
    run_snakemake(tmp_path, config, *run_targets(config), *args)
    job_log = (tmp_path / "logs" / "groups" / "dataset=linear" / "model=lin" / "batch=8.log").read_text()
    assert "resumed ensemble from checkpoint at step" in job_log
    assert not ckpt.exists()
    for run in run_dirs(tmp_path):
        df = read_trajectory(tmp_path / RUNS / run / "trajectory.parquet")
        assert df["step"].iloc[-1] == 12000 and (df["status"] == "completed").all()

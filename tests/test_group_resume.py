"""A group keeps its finished members: each member's final state is saved the moment
it finishes, so a group killed later trains only its unfinished members again, and
its files equal an uninterrupted group's bit for bit; ``sgd-support status`` shows
the killed group's saved members as waiting with a checkpoint, not as missing."""

import json
import os
import signal

import numpy as np
import pytest
from conftest import run_snakemake, tiny_config
from specs import make_spec
from test_faults import columns, start_snakemake, wait_for
from test_numba_engine import SHAPES, synthetic

from sgd_support.core import checkpoint_file
from sgd_support.core.data.store import load_dataset
from sgd_support.core.group import train_group
from sgd_support.core.models import init_weights, load_weights
from sgd_support.core.storage import read_metadata
from sgd_support.core.training import spec_from_dict
from sgd_support.reporting.run_paths import GROUP_CHECKPOINT, GROUP_NAME, run_file
from sgd_support.sweep.runs import expand_runs
from sgd_support.sweep.status import CHECKPOINT, run_state


class Killed(Exception):
    pass


def assert_same_results(a, b):
    assert a.status == b.status and a.diverged_step == b.diverged_step and a.steps_done == b.steps_done
    np.testing.assert_array_equal(*[[list(r.values()) for r in x.rows] for x in (a, b)])
    assert [s for s, _ in a.snapshots] == [s for s, _ in b.snapshots]
    assert all(
        np.array_equal(x, y) for (_, wa), (_, wb) in zip(a.snapshots, b.snapshots) for x, y in zip(wa, wb)
    )


# numba: the group's runs one after another; torch: one ensemble in lockstep. Runs 0
# and 1 end long before run 2 (run 1 diverges at its first record step after step 0).
@pytest.mark.parametrize("engine", ["numba", "torch"])
def test_a_killed_group_trains_only_its_unfinished_members_again(tmp_path, monkeypatch, caplog, engine):
    data = synthetic(200)
    base = dict(batch=None, engine=engine, device="cpu", dense_until=10, per_decade=5, snapshots=[20])
    specs = [
        make_spec(lr=0.1, steps=40, **base),
        make_spec(lr=1e7, steps=60, clip=None, **base),
        make_spec(lr=0.05, steps=400, weight_decay=0.1, **base),
    ]
    inits = [init_weights(SHAPES, seed) for seed in range(3)]
    whole = train_group(data, inits, specs)
    assert [r.status for r in whole] == ["completed", "diverged", "completed"]
    finished = [tmp_path / f"run{i}.npz" for i in range(3)]
    write = checkpoint_file.write

    def write_then_die(path, meta, arrays):  # killed once runs 0 and 1 have saved their final states
        write(path, meta, arrays)
        if path in finished[:2] and all(p.exists() for p in finished[:2]):
            raise Killed

    monkeypatch.setattr(checkpoint_file, "write", write_then_die)
    with pytest.raises(Killed):
        train_group(data, inits, specs, tmp_path / "group", checkpoint_every_s=1e9, finished=finished)
    monkeypatch.undo()
    assert [p.exists() for p in finished] == [True, True, False]
    saved = [(p.stat().st_mtime_ns, p.read_bytes()) for p in finished[:2]]
    with caplog.at_level("INFO"):
        rerun = train_group(data, inits, specs, tmp_path / "group", checkpoint_every_s=1e9, finished=finished)
    assert saved == [(p.stat().st_mtime_ns, p.read_bytes()) for p in finished[:2]]  # not written again
    taken = [line for line in caplog.messages if "finished in an earlier job" in line]
    assert len(taken) == 2, caplog.messages
    for a, b in zip(whole, rerun):
        assert_same_results(a, b)


# The workflow: a group of three GD runs trained as one ensemble (engine torch), two of
# 300 steps and one of 12,000 (~6 s with the torch engine on one busy core).
LONG_STEPS = 12000


def group_config() -> dict:
    config = tiny_config(
        training={"engine": "torch", "group": "cell"}, recording={"dense_until": 10, "per_decade": 10}
    )
    config["optimizers"] = {
        "gd": {"batch": "full", "steps": 300},
        "gd_wd": {"batch": "full", "steps": 300, "weight_decay": 0.1},
        "gd_long": {"batch": "full", "steps": LONG_STEPS},
    }
    config["sweeps"]["tiny"].update(optimizers=["gd", "gd_wd", "gd_long"], order_seeds=[0])
    return config


def finished_step(path) -> int | None:
    """The step a saved member finished at (None: no file, or not finished)."""
    if not path.exists():
        return None
    with np.load(path) as f:
        meta = json.loads(str(f["meta"]))
    return meta["step"] if meta["finished_at"][0] is not None else None


@pytest.mark.slow
def test_a_group_killed_after_some_runs_finished_keeps_them(tmp_path):
    config = group_config()
    runs = expand_runs(config)
    assert [r["optimizer"] for r in runs] == ["gd", "gd_wd", "gd_long"]
    targets = [run_file(run, name) for run in runs for name in ("trajectory.parquet", "weights.parquet")]
    results = tmp_path / "results"
    saved = [results / CHECKPOINT.format(**run) for run in runs]
    group_log = tmp_path / "logs" / "groups" / "dataset=linear" / "model=lin" / "batch=full.log"
    proc = start_snakemake(tmp_path, config, *targets)  # checkpoints every 300 s: none in this test
    try:  # killed once both short runs have saved their final states, while the long one trains
        wait_for(lambda: finished_step(saved[0]) == finished_step(saved[1]) == 300, proc)
        os.killpg(proc.pid, signal.SIGKILL)  # snakemake and its jobs
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert not list((results / "runs").rglob("*.parquet"))
    assert [run_state(results, run) for run in runs] == ["checkpoint", "checkpoint", "missing"]
    assert not saved[2].exists()

    run_snakemake(tmp_path, config, "--unlock")
    run_snakemake(tmp_path, config, "--rerun-incomplete", *targets)
    job_log = group_log.read_text()
    for m in (0, 1):
        assert f"run {m} finished in an earlier job at step 300: not trained again" in job_log
    assert "run 2 finished in an earlier job" not in job_log
    assert not [p for p in results.rglob("checkpoints/**/*.npz")]  # deleted once the files exist
    assert all(run_state(results, run) == "done" for run in runs)

    # the files equal an uninterrupted group's, trained here from the job's own inputs
    data = load_dataset(results / "data" / "dataset=linear.npz")
    init = load_weights(results / "init" / "dataset=linear" / "model=lin" / "init=0.npz")
    specs = [
        spec_from_dict(read_metadata(tmp_path / run_file(run, "trajectory.parquet"))["spec"]) for run in runs
    ]
    reference = train_group(data, [init] * 3, specs)
    for run, ref in zip(runs, reference):
        table = columns(tmp_path / run_file(run, "trajectory.parquet"))
        assert table["step"].tolist() == [r["step"] for r in ref.rows]
        for name in table:
            if name != "status":
                np.testing.assert_array_equal(table[name], [r[name] for r in ref.rows], err_msg=name)
        weights = columns(tmp_path / run_file(run, "weights.parquet"))
        assert weights["step"].tolist() == [s for s, ws in ref.snapshots for _ in ws]
        np.testing.assert_array_equal(
            weights["values"], np.concatenate([w.ravel() for _, ws in ref.snapshots for w in ws])
        )


def test_status_finds_an_ensembles_checkpoint_where_the_group_rule_writes_it(tmp_path):
    """The ensemble checkpoint's path comes from run_paths (the rule's prefix plus the
    ".e<j>.npz" core.group adds); status looks for it under the same name."""
    run = {"dataset": "linear", "model": "lin", "optimizer": "sgd", "lr": "0.1", "batch": "32"}
    run |= {"init": "0", "order": "0"}
    results = tmp_path / "results"
    assert run_state(results, run) == "missing"
    group = GROUP_NAME.format(**run)
    prefix = tmp_path / GROUP_CHECKPOINT.format(group=group)
    prefix.parent.mkdir(parents=True)
    prefix.with_name(prefix.name + ".e0.npz").write_bytes(b"")
    assert run_state(results, run) == "checkpoint"

"""Damaged result files (cut short after they were written): every reader names the file
in one line with the command that repairs it, a damaged checkpoint is discarded, and
``sgd-support repair`` + the same snakemake command rebuild results equal to the originals.
"""

import logging
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO, run_snakemake, tiny_config
from specs import make_spec

from sgd_support.core.data.store import Dataset, load_dataset
from sgd_support.core.data.synthetic import make_synthetic, support_mask
from sgd_support.core.errors import DamagedFileError
from sgd_support.core.models import init_weights, layer_shapes, load_weights
from sgd_support.core.storage import read_trajectory, write_trajectory
from sgd_support.core.training import train

sys.path.insert(0, str(REPO / "scripts"))
from compare_results import compare  # noqa: E402

RUN = "results/runs/dataset=linear/model=lin/optimizer={opt}/lr=0.1/batch={batch}/init=0/order={order}"


def cut(path, size: int = 100) -> None:
    """Cut ``path`` short, as a copy or a disk that stopped half-way would."""
    os.truncate(path, size)


def sgd_support(*args: str, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    cmd = [sys.executable, "-m", "sgd_support.cli.command", *args]
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)


def test_readers_name_the_damaged_file_and_the_repair(tmp_path):
    path = tmp_path / "trajectory.parquet"
    write_trajectory(path, [{"step": 0, "full_loss": 1.0}], "completed", {})
    cut(path)
    with pytest.raises(
        DamagedFileError, match=r"damaged file .*trajectory.parquet \(ArrowInvalid: .*magic bytes"
    ):
        read_trajectory(path)
    data = tmp_path / "dataset=x.npz"
    data.write_bytes(b"PK\x03\x04 not the rest of a zip")
    with pytest.raises(DamagedFileError, match=r"`sgd-support repair` moves it aside"):
        load_dataset(data)
    with pytest.raises(FileNotFoundError):  # missing is not damaged
        load_weights(tmp_path / "init=0.npz")


def test_a_job_on_a_damaged_file_prints_one_line_and_exits_2(tmp_path):
    path = tmp_path / RUN.format(opt="gd", batch="full", order=0) / "trajectory.parquet"
    path.parent.mkdir(parents=True)
    write_trajectory(path, [{"step": 0, "full_loss": 1.0}], "completed", {})
    cut(path)
    cmd = [
        sys.executable,
        "-m",
        "sgd_support.cli.aggregate_runs",
        str(path),
        "--quantiles",
        "q",
        "--final",
        "f",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run(cmd, env={**env, "SGD_SUPPORT_DEBUG": "0"}, capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        f"error: damaged file {path} (ArrowInvalid: Parquet magic bytes not found in footer. Either the "
        "file is corrupted or this is not a parquet file.): `sgd-support repair` moves it aside into "
        "results/.damaged/, then the same snakemake command rebuilds it"
    ), proc.stderr
    proc = subprocess.run(cmd, env={**env, "SGD_SUPPORT_DEBUG": "1"}, capture_output=True, text=True)
    assert "Traceback" in proc.stderr and "DamagedFileError" in proc.stderr  # kept when asked for


def test_a_damaged_checkpoint_is_discarded_and_training_starts_over(tmp_path, caplog):
    x, y = make_synthetic(50, 6, 2, 0.001, "linear", 0)
    data, init = Dataset(x=x, y=y, support=support_mask(6, 2)), init_weights(layer_shapes(6, [4, 4], 1), 0)
    spec = make_spec(lr=0.1, batch=7, steps=300, dense_until=10, per_decade=10, engine="torch")
    checkpoint = tmp_path / "ckpt.npz"
    checkpoint.write_bytes(b"PK\x03\x04" + bytes(50))  # a checkpoint cut short
    with caplog.at_level(logging.WARNING):
        resumed = train(data, init, spec, checkpoint=checkpoint, checkpoint_every_s=1e9)
    assert (
        f"discarding damaged checkpoint {checkpoint}" in caplog.text and "starts from step 0" in caplog.text
    )
    assert not checkpoint.exists()
    reference = train(data, init, spec)
    assert [r["step"] for r in resumed.rows] == [r["step"] for r in reference.rows]
    np.testing.assert_array_equal(
        [r["full_loss"] for r in resumed.rows], [r["full_loss"] for r in reference.rows]
    )


@pytest.mark.slow
def test_repair_then_the_same_command_rebuilds_damaged_files_equal_to_the_originals(tmp_path):
    work = tmp_path / "work"
    config = tiny_config()
    run_snakemake(work, config)
    original = tmp_path / "original"
    shutil.copytree(work / "results", original)
    damaged = [
        work / RUN.format(opt="gd", batch="full", order=0) / "trajectory.parquet",
        work / RUN.format(opt="sgd", batch="16", order=1) / "weights.parquet",
        work / "results/data/dataset=linear.npz",
        work / "results/init/dataset=linear/model=lin/init=0.npz",
    ]
    for path in damaged:
        cut(path)
    # a killed run's checkpoint, cut short: its run is missing, so snakemake trains it again
    unfinished = work / RUN.format(opt="sgd", batch="1", order=0)
    shutil.rmtree(unfinished)
    checkpoint = work / "results/checkpoints" / unfinished.relative_to(work / "results/runs")
    checkpoint = checkpoint.with_name(checkpoint.name + ".npz")
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"PK\x03\x04" + bytes(100))

    status = sgd_support("status", cwd=work)
    assert status.returncode == 0, status.stderr
    assert "5 damaged file(s)" in status.stdout, status.stdout
    for path in [*damaged, checkpoint]:
        assert f"  {path.relative_to(work)}: " in status.stdout, status.stdout
    # without the repair the same command stops, naming the file in the job's log
    failed = run_snakemake(work, config, check=False)
    assert failed.returncode != 0
    logs = "\n".join(p.read_text() for p in (work / "logs").rglob("*.log"))
    assert "error: damaged file results/data/dataset=linear.npz (BadZipFile: " in logs, logs[-3000:]
    assert "Traceback" not in logs

    repair = sgd_support("repair", cwd=work)
    assert repair.returncode == 0 and "damaged file(s) into results/.damaged/" in repair.stdout, repair
    run_snakemake(work, config)
    assert compare(original, work / "results") == []
    for name in ("data/dataset=linear.npz", "init/dataset=linear/model=lin/init=0.npz"):
        with np.load(original / name) as a, np.load(work / "results" / name) as b:
            assert a.files == b.files and all(np.array_equal(a[k], b[k]) for k in a.files)
    assert "0 damaged" in sgd_support("status", cwd=work).stdout

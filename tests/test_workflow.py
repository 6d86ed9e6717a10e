"""The real workflow on a tiny config: one job per combination, Parquet out."""

import pyarrow.dataset as pads
import pytest
from conftest import IN_CHECKOUT, run_snakemake, tiny_config

from sgd_support.core.storage import open_sweep, read_metadata

pytestmark = pytest.mark.slow


def test_dry_run_lists_one_training_job_per_combination(tmp_path):
    proc = run_snakemake(tmp_path, tiny_config(), "-n")
    # gd, gd_wd: 1 each; sgd: 2 batch sizes x 2 order seeds
    counts = dict(
        line.split()[:2]
        for line in proc.stdout.splitlines()
        if line.split()[:1] in (["train_run"], ["make_dataset"], ["init_weights"]) and len(line.split()) == 2
    )
    assert counts == {"make_dataset": "1", "init_weights": "1", "train_run": "6"}


def test_workflow_writes_a_hive_dataset(tmp_path):
    run_snakemake(tmp_path, tiny_config())
    runs = tmp_path / "results" / "runs"
    table = open_sweep(runs).to_table().to_pandas()
    combos = table[["optimizer", "batch", "order"]].drop_duplicates()
    assert len(combos) == 6
    assert set(table["optimizer"]) == {"gd", "gd_wd", "sgd"}
    assert set(table.loc[table.optimizer == "sgd", "batch"]) == {"1", "16"}
    assert (table["status"] == "completed").all()
    # every run recorded its grid from step 0 to its last step
    last = table.groupby(["optimizer", "batch", "order"])["step"].max().to_dict()
    assert last[("gd", "full", "0")] == 300 and last[("gd_wd", "full", "0")] == 200
    # plain pyarrow with hive partitioning reads the same sweep
    files = [str(p) for p in runs.rglob("trajectory.parquet")]
    plain = pads.dataset(files, format="parquet", partitioning="hive", partition_base_dir=str(runs))
    assert plain.count_rows() == len(table)
    weights = list(runs.rglob("weights.parquet"))
    assert len(weights) == 6
    meta = read_metadata(weights[0])
    assert {"config", "provenance", "wall_time_s", "steps_per_s", "engine", "device"} <= set(meta)
    assert meta["provenance"]["versions"]["numpy"]
    # which BLAS ran with how many threads, and whether the checkout had edits
    assert any(lib["user_api"] == "blas" for lib in meta["provenance"]["numerics"]["blas"])
    # (a bool in a git checkout; None from a source tarball, where no commit says which code ran)
    prov = meta["provenance"]
    if IN_CHECKOUT:
        assert prov["git_dirty"] in (True, False) and len(prov["git_commit"]) == 40
    else:
        assert prov["git_dirty"] is None and prov["git_commit"] is None
    # logs and benchmarks exist for every training job
    assert len(list((tmp_path / "logs" / "runs").rglob("*.log"))) == 6
    assert len(list((tmp_path / "results" / "benchmarks" / "runs").rglob("*.tsv"))) == 6
    # a second run has nothing to do
    proc = run_snakemake(tmp_path, tiny_config(), "-n")
    assert "Nothing to be done" in proc.stdout + proc.stderr

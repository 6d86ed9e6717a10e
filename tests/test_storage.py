"""Parquet outputs: columns, provenance metadata, schema version, atomicity."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from sgd_support.core import storage
from sgd_support.core.errors import DamagedFileError
from sgd_support.core.storage import (
    SchemaVersionError,
    read_trajectory,
    read_weights,
    write_trajectory,
    write_weights,
)

ROWS = [
    {"step": 0, "batch_loss": float("nan"), "full_loss": 1.0, "irrelevant_norm": 2.0, "relevant_norm": 3.0},
    {"step": 5, "batch_loss": 0.5, "full_loss": 0.4, "irrelevant_norm": 1.5, "relevant_norm": 3.1},
]


def _stamp(path, version):
    """Rewrite ``path`` as if an sgd_support with schema ``version`` had written it."""
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[storage.META_KEY])
    meta["schema_version"] = version
    pq.write_table(table.replace_schema_metadata({storage.META_KEY: json.dumps(meta)}), path)


def test_trajectory_roundtrip(tmp_path):
    path = tmp_path / "t.parquet"
    write_trajectory(path, ROWS, "completed", {"config": {"lr": 0.1}})
    df = read_trajectory(path)
    assert list(df.columns) == [
        "step",
        "batch_loss",
        "full_loss",
        "irrelevant_norm",
        "relevant_norm",
        "status",
    ]
    assert df["step"].tolist() == [0, 5] and (df["status"] == "completed").all()
    meta = storage.read_metadata(path)
    assert meta["schema_version"] == storage.SCHEMA_VERSION and meta["config"] == {"lr": 0.1}
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary left behind


def test_weights_roundtrip(tmp_path):
    ws = [np.arange(6, dtype=np.float32).reshape(2, 3), np.ones((1, 2), np.float32)]
    path = tmp_path / "w.parquet"
    write_weights(path, [(0, ws), (10, [w * 2 for w in ws])], {})
    back = read_weights(path)
    assert sorted(back) == [0, 10]
    np.testing.assert_array_equal(back[10][0], ws[0] * 2)
    assert back[0][1].shape == (1, 2)


def test_incompatible_schema_version_is_a_clear_error(tmp_path):
    path = tmp_path / "t.parquet"
    write_trajectory(path, ROWS, "completed", {})
    table = pq.read_table(path)
    _stamp(path, 999)
    with pytest.raises(SchemaVersionError, match="schema version 999"):
        read_trajectory(path)
    pq.write_table(table.replace_schema_metadata({}), path)  # a Parquet file of someone else's
    with pytest.raises(DamagedFileError, match="no 'sgd_support' metadata: not written by this pipeline"):
        read_trajectory(path)


def test_weights_reader_checks_the_schema_version(tmp_path):
    path = tmp_path / "w.parquet"
    write_weights(path, [(0, [np.ones((2, 3), np.float32)])], {})
    assert storage.read_metadata(path)["schema_version"] == storage.SCHEMA_VERSION
    _stamp(path, storage.SCHEMA_VERSION + 1)
    with pytest.raises(SchemaVersionError, match=f"schema version {storage.SCHEMA_VERSION + 1}"):
        read_weights(path)


@pytest.mark.parametrize("name", ["trajectory.parquet", "weights.parquet"])
def test_open_sweep_refuses_a_sweep_holding_an_incompatible_file(tmp_path, name):
    for order in (0, 1):
        run = tmp_path / "dataset=a/model=m/optimizer=gd/lr=0.1/batch=full/init=0" / f"order={order}"
        write_trajectory(run / "trajectory.parquet", ROWS, "completed", {})
        write_weights(run / "weights.parquet", [(0, [np.ones((1, 2), np.float32)])], {})
    assert storage.open_sweep(tmp_path, name).count_rows() in (2, 4)
    stale = tmp_path / "dataset=a/model=m/optimizer=gd/lr=0.1/batch=full/init=0/order=1" / name
    _stamp(stale, 0)
    with pytest.raises(SchemaVersionError, match=r"order=1.*schema version 0"):
        storage.open_sweep(tmp_path, name)


def test_open_sweep_keeps_columns_only_some_runs_have(tmp_path):
    """Image runs record test accuracy, the toy model its parameters: the sweep's table
    has every column, null where a run has none (it used to take the first file's)."""
    plain = tmp_path / "dataset=a/model=m/optimizer=gd/lr=0.1/batch=full/init=0/order=0/trajectory.parquet"
    image = tmp_path / "dataset=b/model=m/optimizer=gd/lr=0.1/batch=full/init=0/order=0/trajectory.parquet"
    write_trajectory(plain, ROWS, "completed", {})
    write_trajectory(image, [{**row, "test_accuracy": 0.9} for row in ROWS], "completed", {})
    table = storage.open_sweep(tmp_path).to_table().to_pandas().sort_values(["dataset", "step"])
    assert table.loc[table["dataset"] == "b", "test_accuracy"].tolist() == [0.9] * len(ROWS)
    assert table.loc[table["dataset"] == "a", "test_accuracy"].isna().all()


def test_a_runs_optimizer_keys_reach_its_metadata(tmp_path):
    # as the workflow's run_json (common.smk) hands a run to its job: the spec and the
    # optimizer's config entry, schema defaults filled; both come back from the file
    from conftest import tiny_config
    from specs import with_defaults

    from sgd_support.core.training import RunResult, spec_from_dict
    from sgd_support.sweep.runs import run_spec

    config = tiny_config()
    config["optimizers"]["sgd"].update(momentum=0.9, nesterov=True, label_noise=0.1)
    config["optimizers"]["adam"] = {"steps": 300, "adam": {"betas": [0.8, 0.99]}}
    with_defaults(config)
    for name in ("sgd", "adam"):
        coords = {"dataset": "linear", "model": "lin", "optimizer": name, "lr": "0.1", "batch": "16"}
        spec = run_spec(config, {**coords, "init": "0", "order": "0"})
        run = json.loads(
            json.dumps({"spec": spec.__dict__, "config": {"optimizer": config["optimizers"][name]}})
        )
        assert spec_from_dict(run["spec"]) == spec
        result = RunResult(ROWS, [], "completed", None, 1.0, 5, {"engine": "torch"})
        storage.write_run(result, run, tmp_path / f"{name}.parquet", tmp_path / f"{name}-w.parquet")
        meta = storage.read_metadata(tmp_path / f"{name}.parquet")
        optimizer = meta["config"]["optimizer"]
        assert {"label_noise", "momentum", "nesterov"} <= set(optimizer)
        assert [meta["spec"][k] for k in ("label_noise", "momentum", "nesterov", "adam")] == [
            optimizer["label_noise"],
            optimizer["momentum"],
            optimizer["nesterov"],
            optimizer.get("adam"),
        ]
    assert meta["spec"]["adam"] == {"betas": [0.8, 0.99], "eps": 1e-8, "decoupled": True}

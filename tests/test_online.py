"""Online sampling (optimizer sampling: online): every step b fresh rows from the data
set's own generator, seeded by (order seed, step); the loss and metrics stay on the
stored data set."""

import numpy as np
import pytest
from conftest import tiny_config
from specs import make_spec, with_defaults
from test_resume import Preempted, _assert_same, _preempt_after

from sgd_support.core.data.online import OnlineStream, fresh_rows
from sgd_support.core.data.registry import build_dataset
from sgd_support.core.data.store import Dataset, load_dataset, save_dataset
from sgd_support.core.engines import pick_engine, torch_only_keys
from sgd_support.core.models import init_weights, layer_shapes
from sgd_support.core.training import train
from sgd_support.sweep.validation import ConfigError, check_config

SYNTHETIC = {"kind": "synthetic", "target": "linear", "n": 100, "d": 6, "r": 2, "noise": 0.1, "seed": 0}
RELU = {"kind": "relu_counterexample", "n": 100, "d": 3, "seed": 0}


def test_fresh_rows_are_new_and_differ_between_steps():
    data = build_dataset(SYNTHETIC)
    x, y, offsets = OnlineStream(data.generator, 8, seed=0).take(2)
    assert x.shape == (16, 6) and y.shape == (16, 1) and x.dtype == np.float32
    np.testing.assert_array_equal(offsets, [0, 8, 16])
    assert not np.array_equal(x[:8], x[8:])
    stored = {row.tobytes() for row in data.x}
    assert not any(row.tobytes() in stored for row in x)
    # another order seed, other rows
    assert not np.array_equal(x, OnlineStream(data.generator, 8, seed=1).take(2)[0])


def test_synthetic_rows_follow_the_generator():
    generator = build_dataset(SYNTHETIC).generator
    x, y = fresh_rows(generator, 20000, np.random.default_rng(5))
    # x ~ N(0, I_6): each column's mean within 4 standard errors (1/sqrt(20,000) = 0.0071)
    # and its variance within 4 of its standard errors (sqrt(2/20,000) = 0.01) of 1
    assert np.all(np.abs(x.mean(axis=0)) < 4 * 0.0071)
    assert np.all(np.abs(x.var(axis=0) - 1) < 4 * 0.01)
    # y = x0 + x1 + 0.1 eps: the residual's sd within 4 standard errors (0.1/sqrt(40,000)) of 0.1
    residual = y[:, 0] - x[:, :2].sum(axis=1)
    assert abs(residual.std() - 0.1) < 4 * 0.1 / np.sqrt(40000)


def test_relu_counterexample_rows_follow_the_generator():
    generator = build_dataset(RELU).generator
    x, y = fresh_rows(generator, 5000, np.random.default_rng(0))
    np.testing.assert_array_equal(y[:, 0], x[:, 0])
    assert np.abs(x[:, 0]).min() >= np.float32(0.5) and np.abs(x[:, 0]).max() <= np.float32(1.5)
    # the irrelevant inputs' sd within 4 standard errors (0.05/sqrt(20,000)) of 0.05
    assert abs(x[:, 1:].std() - 0.05) < 4 * 0.05 / np.sqrt(2 * 5000)


def test_chunked_and_resumed_streams_draw_the_same_rows():
    generator = build_dataset(SYNTHETIC).generator
    whole = OnlineStream(generator, 4, seed=2).take(10)
    first = OnlineStream(generator, 4, seed=2)
    a = first.take(3)
    resumed = OnlineStream(generator, 4, seed=2)
    resumed.restore(first.state())
    b = resumed.take(7)
    np.testing.assert_array_equal(np.concatenate([a[0], b[0]]), whole[0])
    np.testing.assert_array_equal(np.concatenate([a[1], b[1]]), whole[1])


def _spec(**fields):
    return make_spec(
        **{**dict(lr=0.05, batch=8, steps=600, sampling="online", every=50, snapshots=[100]), **fields}
    )


def test_online_sgd_learns_the_linear_target_and_is_evaluated_on_the_stored_data():
    data = build_dataset(SYNTHETIC)
    init = init_weights(layer_shapes(6, [4, 4], 1), 0)
    result = train(data, init, _spec())
    assert result.engine["engine"] == "torch"
    first, last = result.rows[0], result.rows[-1]
    # the stored data's loss falls from 11.2 at init to 0.023 (measured): below a tenth of its start
    assert last["full_loss"] < 0.1 * first["full_loss"]
    # the batch loss is the fresh rows' (the noise's variance 0.01 at best), not the stored data's
    assert last["batch_loss"] != last["full_loss"]
    # not the stored rows' batches: SGD with replacement over them ends elsewhere
    stored = train(data, init, _spec(sampling="with_replacement"))
    assert stored.rows[-1]["full_loss"] != last["full_loss"]


def test_resumed_online_run_equals_uninterrupted(tmp_path, monkeypatch):
    data = build_dataset(SYNTHETIC)
    init = init_weights(layer_shapes(6, [4, 4], 1), 0)
    reference = train(data, init, _spec())
    ckpt = tmp_path / "ckpt.npz"
    with monkeypatch.context() as m:
        _preempt_after(m, 250)
        with pytest.raises(Preempted):
            train(data, init, _spec(), checkpoint=ckpt, checkpoint_every_s=0)
    resumed = train(data, init, _spec(), checkpoint=ckpt, checkpoint_every_s=1e9)
    _assert_same(resumed, reference)
    # and chunking does not change the rows: one step per engine call gives the same run
    _assert_same(train(data, init, _spec(), max_chunk=1), reference)


def test_a_data_set_without_generator_is_refused(tmp_path):
    data = build_dataset(SYNTHETIC)
    save_dataset(data, tmp_path / "d.npz")
    assert load_dataset(tmp_path / "d.npz").generator == data.generator
    old = Dataset(x=data.x, y=data.y, support=data.support)  # a file written before generators
    save_dataset(old, tmp_path / "old.npz")
    assert load_dataset(tmp_path / "old.npz").generator is None
    with pytest.raises(ValueError, match="rebuild the data set"):
        train(load_dataset(tmp_path / "old.npz"), init_weights(layer_shapes(6, [4], 1), 0), _spec())


def test_routing_and_validation():
    spec = _spec()
    assert torch_only_keys(vars(spec)) == ["sampling"]
    assert (
        pick_engine("auto", 40, activation="identity", loss="mse", torch_only=torch_only_keys(vars(spec)))
        == "torch"
    )
    config = tiny_config()
    config["optimizers"]["sgd"]["sampling"] = "online"
    check_config(with_defaults(config))  # synthetic data: fine
    config = tiny_config()
    config["optimizers"]["sgd"]["sampling"] = "online"
    config["datasets"]["digits"] = {"kind": "digits"}
    config["sweeps"]["tiny"]["datasets"] = ["linear", "digits"]
    config["sweeps"]["tiny"]["batches"] = [16]
    with pytest.raises(ConfigError, match=r"optimizers\.sgd\.sampling: 'online'.*'digits' \(kind digits\)"):
        check_config(with_defaults(config))
    config = tiny_config()
    config["optimizers"]["sgd"]["sampling"] = "online"
    config["training"]["engine"] = "numba"
    with pytest.raises(ConfigError, match=r"optimizers\.sgd\.sampling: 'online'.*training\.engine numba"):
        check_config(with_defaults(config))

"""Checkpoints: an interrupted run resumes to exactly the uninterrupted trajectory,
and a checkpoint of another run (spec, data, init) is never resumed."""

import dataclasses

import numpy as np
import pytest
from specs import make_spec

from sgd_support.core import checkpoint_file, training
from sgd_support.core.data.store import Dataset
from sgd_support.core.data.synthetic import make_synthetic, support_mask
from sgd_support.core.engines.torch_engine import TorchEngine
from sgd_support.core.models import init_weights, layer_shapes
from sgd_support.core.training import train


class Preempted(Exception):
    pass


def _data(noise=0.001) -> Dataset:
    x, y = make_synthetic(50, 6, 2, noise, "linear", 0)
    return Dataset(x=x, y=y, support=support_mask(6, 2))


def _spec(batch, **fields):
    return make_spec(
        lr=0.1,
        batch=batch,
        steps=600,
        dense_until=10,
        per_decade=10,
        every=50,
        snapshots=[100, 400],
        engine="torch",
        **fields,
    )


def _assert_same(a, b):
    assert [r["step"] for r in a.rows] == [r["step"] for r in b.rows]
    for ra, rb in zip(a.rows, b.rows):
        assert ra.keys() == rb.keys()
        np.testing.assert_array_equal(np.array(list(ra.values())), np.array(list(rb.values())))
    assert [s for s, _ in a.snapshots] == [s for s, _ in b.snapshots]
    for (_, wa), (_, wb) in zip(a.snapshots, b.snapshots):
        for x, y in zip(wa, wb):
            np.testing.assert_array_equal(x, y)


def _preempt_after(monkeypatch, step: int) -> None:
    """Make train() die right after writing the first checkpoint at or past ``step``."""
    write = checkpoint_file.write

    def write_then_die(path, meta, arrays):
        write(path, meta, arrays)
        if meta["step"] >= step:
            raise Preempted(meta["step"])

    monkeypatch.setattr(checkpoint_file, "write", write_then_die)


@pytest.mark.parametrize(
    "batch, sampling",
    [(None, "without_replacement"), (7, "without_replacement"), (7, "with_replacement")],
    ids=["gd", "sgd-b7", "sgd-b7-with-replacement"],
)
def test_resumed_run_equals_uninterrupted(tmp_path, monkeypatch, batch, sampling):
    data, init = _data(), init_weights(layer_shapes(6, [4, 4], 1), 0)
    reference = train(data, init, _spec(batch, sampling=sampling))
    ckpt = tmp_path / "ckpt.npz"
    with monkeypatch.context() as m:
        _preempt_after(m, 250)
        with pytest.raises(Preempted):
            train(data, init, _spec(batch, sampling=sampling), checkpoint=ckpt, checkpoint_every_s=0)
    assert ckpt.exists()
    resumed = train(data, init, _spec(batch, sampling=sampling), checkpoint=ckpt, checkpoint_every_s=1e9)
    _assert_same(resumed, reference)
    assert resumed.status == "completed" and resumed.steps_done == 600


def test_checkpoint_of_another_run_is_ignored(tmp_path, monkeypatch, caplog):
    init = init_weights(layer_shapes(6, [4, 4], 1), 0)
    ckpt = tmp_path / "ckpt.npz"
    with monkeypatch.context() as m:
        _preempt_after(m, 250)
        with pytest.raises(Preempted):
            train(_data(), init, _spec(None), checkpoint=ckpt, checkpoint_every_s=0)
    other = _data(noise=0.01)  # the data set was rebuilt with other labels under the same name
    resumed = train(other, init, _spec(None), checkpoint=ckpt, checkpoint_every_s=1e9)
    assert "ignoring checkpoint" in caplog.text
    _assert_same(resumed, train(other, init, _spec(None)))


def test_diverged_run_writes_no_checkpoint(tmp_path):
    data, init = _data(), init_weights(layer_shapes(6, [4, 4], 1), 0)
    spec = make_spec(lr=50.0, batch=None, steps=600, clip=None, engine="torch")
    ckpt = tmp_path / "ckpt.npz"
    result = train(data, init, spec, checkpoint=ckpt, checkpoint_every_s=0)
    assert result.status == "diverged" and result.diverged_step == result.rows[-1]["step"] < 600
    assert result.snapshots[-1][0] == result.diverged_step
    assert (
        not np.isfinite(result.rows[-1]["full_loss"]) or result.rows[-1]["total_norm"] > spec.divergence_bound
    )
    # checkpoints written before the divergence may exist; none holds the diverged state
    if ckpt.exists():
        assert (
            training._load_checkpoint(ckpt, training._run_keys([spec], data, [init]))["step"]
            < result.diverged_step
        )


UPDATES = {
    "momentum": {"momentum": 0.9, "lr": 0.02},
    "nesterov": {"momentum": 0.9, "nesterov": True, "lr": 0.02},
    "adam": {
        "adam": {"betas": [0.9, 0.999], "eps": 1e-8, "decoupled": False},
        "weight_decay": 0.01,
        "lr": 1e-3,
    },
    "adamw": {
        "adam": {"betas": [0.9, 0.999], "eps": 1e-8, "decoupled": True},
        "weight_decay": 0.1,
        "lr": 1e-3,
    },
    "label_noise": {"label_noise": 0.2},
}


@pytest.mark.parametrize("batch", [None, 7], ids=["gd", "sgd-b7"])
@pytest.mark.parametrize("update", list(UPDATES))
def test_resumed_run_with_optimizer_state_equals_uninterrupted(tmp_path, monkeypatch, update, batch):
    # The update's state (momentum buffers, Adam's moments and step count, the step the
    # label noise is drawn at) is part of the checkpoint: a resumed run is the same run.
    data, init = _data(), init_weights(layer_shapes(6, [4, 4], 1), 0)
    spec = dataclasses.replace(_spec(batch), **UPDATES[update])
    reference = train(data, init, spec)
    ckpt = tmp_path / "ckpt.npz"
    with monkeypatch.context() as m:
        _preempt_after(m, 250)
        with pytest.raises(Preempted):
            train(data, init, spec, checkpoint=ckpt, checkpoint_every_s=0)
    resumed = train(data, init, spec, checkpoint=ckpt, checkpoint_every_s=1e9)
    _assert_same(resumed, reference)
    # the check can fail: resumed without the saved state (fresh buffers, step 0), the
    # run leaves the uninterrupted trajectory
    with monkeypatch.context() as m:
        m.setattr(TorchEngine, "set_optimizer_state", lambda self, state: None)
        forgetful = train(data, init, spec, checkpoint=ckpt, checkpoint_every_s=1e9)
    assert forgetful.rows[-1]["total_norm"] != reference.rows[-1]["total_norm"]

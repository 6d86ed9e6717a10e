"""Optimizer sampling (App. E): with replacement, every batch an independent uniform draw
of b distinct rows, seeded by (order seed, step)."""

import numpy as np
import pytest
from conftest import tiny_config
from envelopes import assert_rows_like_twin, rounding_twin
from specs import make_spec, with_defaults

from sgd_support.core.batches import BatchStream, ReplacementStream, batch_stream
from sgd_support.core.data.store import Dataset
from sgd_support.core.data.synthetic import make_synthetic, support_mask
from sgd_support.core.group import ensembles
from sgd_support.core.models import init_weights, layer_shapes
from sgd_support.core.training import train
from sgd_support.sweep.validation import ConfigError, check_config

N, B = 20, 5  # an epoch is 4 batches


def batches(stream, k: int) -> list[np.ndarray]:
    indices, offsets = stream.take(k)
    return [indices[offsets[j] : offsets[j + 1]] for j in range(k)]


def test_deterministic_by_seed_and_each_batch_distinct_rows():
    a = batches(ReplacementStream(N, B, seed=3), 1000)
    b = batches(ReplacementStream(N, B, seed=3), 1000)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, batches(ReplacementStream(N, B, seed=4), 1000)))
    assert all(len(set(x.tolist())) == B == len(x) for x in a)
    assert all(x.min() >= 0 and x.max() < N for x in a)


def test_resume_and_chunking_give_the_same_batches():
    whole = ReplacementStream(N, B, seed=1).take(100)
    first = ReplacementStream(N, B, seed=1)
    part1 = first.take(37)
    resumed = ReplacementStream(N, B, seed=1)
    resumed.restore(first.state())
    part2 = resumed.take(63)
    np.testing.assert_array_equal(np.concatenate([part1[0], part2[0]]), whole[0])
    np.testing.assert_array_equal(whole[1], np.arange(101) * B)


def test_rows_are_drawn_uniformly():
    counts = np.bincount(np.concatenate(batches(ReplacementStream(N, B, seed=0), 4000)), minlength=N)
    expected = 4000 * B / N
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    # Pearson's statistic over N = 20 rows: chi-square with 19 degrees of freedom for
    # independent draws, and smaller still for distinct rows within a batch (the
    # hypergeometric factor (N - B) / (N - 1)); its 99.9% quantile is 43.8
    assert chi2 < 43.8, (chi2, counts)


def test_consecutive_batches_are_independent():
    drawn = batches(ReplacementStream(N, B, seed=0), 4000)
    overlaps = np.array([len(np.intersect1d(a, b)) for a, b in zip(drawn, drawn[1:])])
    # two independent draws of B distinct rows share B * B / N = 1.25 rows on average
    # (hypergeometric, sd 0.86): over 3,999 pairs within 4 standard errors (0.055)
    assert abs(overlaps.mean() - B * B / N) < 4 * 0.86 / np.sqrt(len(overlaps))
    # so a row repeats within an epoch's 4 batches, which never happens without replacement
    epochs = [np.concatenate(drawn[i : i + 4]) for i in range(0, 4000, 4)]
    assert np.mean([len(np.unique(e)) < N for e in epochs]) > 0.9
    without = batches(BatchStream(N, B, seed=0), 4000)
    assert all(len(np.unique(np.concatenate(without[i : i + 4]))) == N for i in range(0, 4000, 4))


def test_the_loop_picks_the_stream_by_sampling():
    assert isinstance(batch_stream(N, make_spec(batch=B)), BatchStream)
    assert isinstance(batch_stream(N, make_spec(batch=B, sampling="with_replacement")), ReplacementStream)
    with pytest.raises(ValueError, match="online"):
        batch_stream(N, make_spec(batch=B, sampling="online"))
    # runs of different samplings never share an ensemble (their batches' offsets differ)
    specs = [make_spec(batch=B), make_spec(batch=B, sampling="with_replacement")]
    assert ensembles(specs) == [[0], [1]]


@pytest.fixture(scope="module")
def problem():
    x, y = make_synthetic(100, 6, 2, 0.001, "linear", seed=0)
    return Dataset(x=x, y=y, support=support_mask(6, 2)), init_weights(layer_shapes(6, [4, 4], 1), 0)


def test_every_engine_trains_with_replacement_alike(problem):
    data, init = problem
    spec = make_spec(lr=0.05, batch=8, steps=300, sampling="with_replacement", device="cpu", every=50)
    torch_run = train(data, init, spec)
    twin = rounding_twin(train, data, init, spec)
    for engine in ("numba", "linear"):
        other = train(data, init, make_spec(**{**spec.__dict__, "engine": engine}))
        assert other.engine["engine"] == engine
        assert_rows_like_twin(other.rows, torch_run.rows, twin.rows, engine)
    # and its batches are not the without-replacement ones
    without = train(data, init, make_spec(**{**spec.__dict__, "sampling": "without_replacement"}))
    assert without.rows[-1]["full_loss"] != torch_run.rows[-1]["full_loss"]


@pytest.mark.parametrize(
    "edits, key",
    [
        ({"optimizers.gd.sampling": "with_replacement"}, "optimizers.gd.sampling: 'with_replacement'"),
        (
            {"optimizers.sgd.sampling": "online", "optimizers.sgd.shuffle": False},
            "optimizers.sgd.shuffle: False",
        ),
    ],
)
def test_validation_names_the_key(edits, key):
    config = tiny_config()
    for dotted, value in edits.items():
        section, name, field = dotted.split(".")
        config[section][name][field] = value
    with pytest.raises(ConfigError, match=key):
        check_config(with_defaults(config))

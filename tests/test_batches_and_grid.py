"""Batch order (without replacement, per-epoch permutations) and the record grid."""

import numpy as np
import pytest

from sgd_support.core.batches import BatchStream
from sgd_support.core.recording import record_steps, snapshot_steps


def batches(stream, k):
    idx, off = stream.take(k)
    return [idx[off[j] : off[j + 1]] for j in range(k)]


def test_each_epoch_is_a_permutation_with_partial_last_batch():
    stream = BatchStream(n=10, b=4, seed=1)
    epoch = batches(stream, 3)
    assert [len(b) for b in epoch] == [4, 4, 2]  # the last partial batch is kept
    np.testing.assert_array_equal(np.sort(np.concatenate(epoch)), np.arange(10))
    second = np.concatenate(batches(stream, 3))
    np.testing.assert_array_equal(np.sort(second), np.arange(10))
    assert not np.array_equal(np.concatenate(epoch), second)  # a fresh permutation
    assert stream.state() == {"epoch": 2, "position": 0}


@pytest.mark.parametrize("n,b", [(10, 1), (10, 3), (10, 10), (1000, 32), (7, 7)])
def test_chunking_does_not_change_the_stream(n, b):
    whole = BatchStream(n, b, seed=5).take(50)
    parts = BatchStream(n, b, seed=5)
    pieces = [parts.take(k) for k in (1, 7, 13, 29)]
    np.testing.assert_array_equal(np.concatenate([p[0] for p in pieces]), whole[0])
    sizes = np.concatenate([np.diff(p[1]) for p in pieces])
    np.testing.assert_array_equal(sizes, np.diff(whole[1]))


def test_resume_from_state():
    a = BatchStream(100, 7, seed=3)
    a.take(40)
    b = BatchStream(100, 7, seed=3, **a.state())
    np.testing.assert_array_equal(a.take(30)[0], b.take(30)[0])


def test_seeds_differ_and_bad_batch():
    assert not np.array_equal(BatchStream(50, 5, 0).take(1)[0], BatchStream(50, 5, 1).take(1)[0])
    with pytest.raises(ValueError):
        BatchStream(10, 11, 0)


def test_record_grid_dense_then_log_spaced():
    grid = record_steps(20000, dense_until=100, per_decade=40)
    np.testing.assert_array_equal(grid[:101], np.arange(101))
    assert grid[-1] == 20000 and np.all(np.diff(grid) > 0)
    late = grid[grid > 1000]
    ratios = late[1:] / late[:-1]
    assert ratios.max() < 1.1  # ~40 points per decade
    assert 150 < len(grid) < 200
    assert {1000, 2000, 5000, 10000, 20000} <= set(grid.tolist())  # the reference tables' steps


def test_record_grid_small_runs_and_every():
    np.testing.assert_array_equal(record_steps(5, dense_until=100), np.arange(6))
    grid = record_steps(1000, dense_until=10, per_decade=0, every=250)
    assert set([0, 250, 500, 750, 1000]) <= set(grid.tolist())
    with pytest.raises(ValueError):
        record_steps(0)


def test_snapshot_steps():
    np.testing.assert_array_equal(snapshot_steps(500, [100, 1000]), [0, 100, 500])

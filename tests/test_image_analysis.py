"""Image statistics against their definitions, Proposition 5 on the real engine,
and the E7 claim rows."""

import numpy as np
import pandas as pd
import pytest

from sgd_support.cli.image_figures import e7_claims
from sgd_support.data.store import Dataset
from sgd_support.image_analysis import (
    column_change, components_for_variance, covariance_spectrum, effective_pixel_share, focus_map,
    gram_eigenvalues, grey_pixels, never_lit, pixel_covariance,
)  # fmt: skip
from sgd_support.models import init_weights, layer_shapes
from sgd_support.training import RunSpec, train


def test_gram_eigenvalues_are_squared_singular_values():
    w = np.random.default_rng(0).normal(size=(5, 12))
    eig = gram_eigenvalues(w)
    assert eig.shape == (12,)
    np.testing.assert_allclose(np.sort(eig)[-5:], np.sort(np.linalg.svd(w, compute_uv=False) ** 2), rtol=1e-10)
    np.testing.assert_allclose(np.sort(eig)[:7], 0, atol=1e-12)


def test_focus_map_is_the_column_norm_per_pixel():
    w = np.zeros((3, 6))
    w[:, 4] = [3, 4, 0]  # pixel (1, 1) of a 2x3 image
    np.testing.assert_allclose(focus_map(w, (2, 3)), [[0, 0, 0], [0, 5, 0]])
    colour = np.zeros((2, 2 * 2 * 3))
    colour[0, 3:6] = [1, 2, 2]  # pixel (0, 1), its three channels
    np.testing.assert_allclose(focus_map(colour, (2, 2, 3)), [[0, 3], [0, 0]])


def test_effective_pixel_share_bounds():
    assert effective_pixel_share(np.ones((4, 4))) == pytest.approx(1.0)
    one = np.zeros((4, 4))
    one[1, 2] = 7.0
    assert effective_pixel_share(one) == pytest.approx(1 / 16)
    half = np.zeros(8)
    half[:4] = 2.0
    assert effective_pixel_share(half) == pytest.approx(0.5)


def test_data_statistics():
    x = np.array([[0, 1, 2], [0, 3, 2], [0, 5, 2.0]])
    np.testing.assert_array_equal(never_lit(x), [True, False, False])
    np.testing.assert_allclose(pixel_covariance(x), np.cov(x, rowvar=False))
    rgb = np.arange(2 * 4 * 3, dtype=float).reshape(2, 12)
    np.testing.assert_allclose(grey_pixels(rgb, (2, 2, 3)), rgb.reshape(2, 4, 3).mean(axis=2))
    assert grey_pixels(x, (1, 3)) is x
    eig = covariance_spectrum(np.diag([1.0, 8.0, 1.0]))
    np.testing.assert_allclose(eig, [8, 1, 1])
    assert components_for_variance(eig, 0.8) == 1 and components_for_variance(eig, 0.85) == 2


@pytest.mark.parametrize("batch", [None, 4])
def test_never_lit_columns_do_not_move_without_weight_decay(batch):
    """Proposition 5 on the training engine: bitwise, and only without weight decay."""
    rng = np.random.default_rng(0)
    x = rng.random((40, 9)).astype(np.float32)
    x[:, [0, 8]] = 0.0  # two never-lit "corner" pixels
    labels = rng.integers(0, 3, 40)
    data = Dataset(x=x, y=np.eye(3, dtype=np.float32)[labels], labels=labels, support=x.std(0) > 0,
                   task="classification", image_shape=(3, 3))  # fmt: skip
    init = init_weights(layer_shapes(9, [6], 3), seed=0)
    dead = never_lit(x)
    for wd, moved in ((0.0, False), (0.1, True)):
        result = train(data, init, RunSpec(lr=0.5, batch=batch, steps=50, weight_decay=wd, activation="relu"))
        w1 = result.snapshots[-1][1][0]
        assert (column_change(init[0], w1, dead) > 0) == moved
        assert column_change(init[0], w1, ~dead) > 0


def _table(shares, changes, statuses=None):
    n = len(shares)
    return pd.DataFrame({"effective_pixel_share": [0.99, *shares], "never_lit_max_change": [0.0, *changes],
                         "status": ["", *(statuses or ["completed"] * n)]})  # fmt: skip


def _runs(batches, wds):
    return [{"name": f"b{b}", "lr": "0.1", "effective_batch": b, "weight_decay": wd} for b, wd in zip(batches, wds)]


def test_claims_pass_on_ordered_shares_and_fixed_columns():
    runs = _runs([1000, 32, 8, 1000], [0, 0, 0, 0.1])
    prop5, focus = e7_claims(_table([0.95, 0.9, 0.8, 0.5], [0, 0, 0, 0.3]), runs, np.array([True, False]), "t")
    assert prop5.passed is True and "0.3" in prop5.measured
    assert focus.passed is True and "b8 (b=8) 0.8000" in focus.measured


def test_claims_fail_honestly():
    runs = _runs([1000, 32, 8], [0, 0, 0])
    prop5, focus = e7_claims(_table([0.9, 0.95, 0.8], [0, 1e-7, 0]), runs, np.array([True, False]), "t")
    assert prop5.passed is False and focus.passed is False
    prop5, focus = e7_claims(_table([0.9], [0]), runs[:1], np.array([False, False]), "t")
    assert prop5.passed is None and focus.passed is None


def test_diverged_runs_are_left_out_of_the_claims():
    runs = _runs([1000, 32, 8], [0, 0, 0])
    table = _table([0.95, 0.9, np.nan], [0, 0, np.nan], ["completed", "completed", "diverged"])
    prop5, focus = e7_claims(table, runs, np.array([True, False]), "t")
    assert prop5.passed is True and focus.passed is True and "1 diverged" in focus.measured

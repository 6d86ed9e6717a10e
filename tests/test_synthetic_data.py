"""The synthetic data sets against their definition (docs/experiments.md, "What every experiment shares")."""

import numpy as np
import pytest

from sgd_support.core.data.synthetic import make_synthetic, support_mask, target_values


@pytest.mark.parametrize("d,r", [(15, 5), (7, 1), (4, 4), (30, 12)])
def test_shapes_and_symmetric_noise(d, r):
    x, y = make_synthetic(100, d, r, 0.5, "linear", seed=3)
    assert x.shape == (200, d) and y.shape == (200, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32
    np.testing.assert_array_equal(x[:100], x[100:])
    g = x[:100, :r].astype(np.float64).sum(axis=1)
    # (y+ + y-)/2 = g(x) exactly up to float32 rounding: the noise is symmetric
    # float32 storage of y (|y| < 16 here: one ulp <= 9.5e-7): measured 3.6e-7 (AMD EPYC)
    np.testing.assert_allclose((y[:100, 0] + y[100:, 0]) / 2, g, atol=1e-5)
    assert np.abs(y[:100, 0] - y[100:, 0]).max() > 0.1  # and it is there


def test_follows_authors_random_stream():
    n, d, r, noise = 50, 9, 3, 0.001
    np.random.seed(7)
    x_ref = np.random.randn(n, d)
    eps = np.random.randn(n)
    x_ref[:, r:] -= x_ref[:, r:].mean(axis=0)
    g = x_ref[:, :r].sum(axis=1)
    x, y = make_synthetic(n, d, r, noise, "linear", seed=7)
    np.testing.assert_array_equal(x[:n], x_ref.astype(np.float32))
    np.testing.assert_array_equal(y[:n, 0], (g + noise * eps).astype(np.float32))
    np.testing.assert_array_equal(y[n:, 0], (g - noise * eps).astype(np.float32))


def test_irrelevant_columns_centred_support_not():
    x, _ = make_synthetic(1000, 10, 4, 0.0, "linear", seed=0)
    # centred in float64, then stored as float32 (half an ulp of |x| < 4: 2.4e-7 per entry,
    # averaging out over 1,000 rows): measured 1.7e-9 (AMD EPYC)
    assert np.abs(x[:, 4:].astype(np.float64).mean(axis=0)).max() < 1e-6
    assert np.abs(x[:, :4].astype(np.float64).mean(axis=0)).max() > 1e-3


def test_targets():
    x = np.array([[0.5, -1.0, 2.0, 7.0]])
    assert target_values(x, 3, "linear")[0] == pytest.approx(1.5)
    assert target_values(x, 3, "sine")[0] == pytest.approx(np.sin(1.5))
    assert target_values(x, 3, "staircase")[0] == pytest.approx(0.5 + 1.0 + 8.0)
    with pytest.raises(ValueError, match="unknown target"):
        target_values(x, 3, "cubic")


def test_target_ignores_irrelevant_columns():
    x, y = make_synthetic(300, 8, 3, 0.0, "sine", seed=1)
    # float32 storage of sin (|y| <= 1: half an ulp 6e-8) of a float32-rounded sum: measured 1.8e-7
    np.testing.assert_allclose(y[:, 0], np.sin(x[:, :3].astype(np.float64).sum(axis=1)), atol=1e-6)


def test_support_mask_and_bad_r():
    np.testing.assert_array_equal(support_mask(5, 2), [True, True, False, False, False])
    with pytest.raises(ValueError, match="r <= d"):
        make_synthetic(10, 3, 4, 0.0, "linear", 0)

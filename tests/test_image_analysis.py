"""Image statistics against their definitions, Proposition 5 on the real engine,
and the E7 claim rows."""

import numpy as np
import pytest
from specs import make_spec

from sgd_support.core.data.store import Dataset
from sgd_support.core.models import init_weights, layer_shapes
from sgd_support.core.training import train
from sgd_support.experiments.images import focus_order
from sgd_support.experiments.images.analysis import (
    column_change,
    components_for_variance,
    covariance_spectrum,
    effective_pixel_share,
    focus_map,
    gram_eigenvalues,
    grey_pixels,
    never_lit,
    pixel_covariance,
)
from sgd_support.experiments.images.claims import focus_claims, prop5_claim


def test_gram_eigenvalues_are_squared_singular_values():
    w = np.random.default_rng(0).normal(size=(5, 12))
    eig = gram_eigenvalues(w)
    assert eig.shape == (12,)
    # float64 eigen/SVD: measured 4.0e-16 relative, 2.4e-15 absolute (AMD EPYC; the other
    # checks of this file: 0); the bars leave ~1e5x for other LAPACK builds' summation orders
    np.testing.assert_allclose(
        np.sort(eig)[-5:], np.sort(np.linalg.svd(w, compute_uv=False) ** 2), rtol=1e-10
    )
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
    data = Dataset(
        x=x,
        y=np.eye(3, dtype=np.float32)[labels],
        labels=labels,
        support=x.std(0) > 0,
        task="classification",
        image_shape=(3, 3),
    )
    init = init_weights(layer_shapes(9, [6], 3), seed=0)
    dead = never_lit(x)
    for wd, moved in ((0.0, False), (0.1, True)):
        result = train(
            data, init, make_spec(lr=0.5, batch=batch, steps=50, weight_decay=wd, activation="relu")
        )
        w1 = result.snapshots[-1][1][0]
        assert (column_change(init[0], w1, dead) > 0) == moved
        assert column_change(init[0], w1, ~dead) > 0


def _runs(batches, wds, lr="0.1"):
    return [
        {"name": f"b{b}", "lr": lr, "effective_batch": b, "weight_decay": wd} for b, wd in zip(batches, wds)
    ]


def test_prop5_passes_on_fixed_columns_and_reports_weight_decay_runs():
    runs = _runs([1000, 32, 1000], [0, 0, 0.1])
    claim = prop5_claim(runs, [0.0, 0.0, 0.3], np.array([True, False]), "t", "")
    assert claim.passed is True and "0.3" in claim.measured and "1 of 2 pixels" in claim.measured
    assert claim.location.startswith("Proposition 5") and claim.scope.startswith("images") and claim.why == ""


def test_prop5_fails_honestly_and_is_undecided_without_never_lit_pixels():
    runs = _runs([1000, 32], [0, 0])
    failed = prop5_claim(runs, [0.0, 1e-7], np.array([True, False]), "t", "")
    assert failed.passed is False and failed.why
    assert prop5_claim(runs, [0.0, 0.0], np.array([False, False]), "t", "").passed is None


def test_share_bands_and_rank_test_against_their_definitions():
    batches = np.array([32, 32, 32, 256, 256, 256])
    shares = np.array([0.90, 0.92, 0.91, 0.95, 0.94, 0.96])
    bands = focus_order.share_bands(batches, shares)
    assert list(bands["batch"]) == [32, 256] and list(bands["runs"]) == [3, 3]
    np.testing.assert_allclose(bands["median"], [0.91, 0.95])
    expected_q10 = [np.quantile([0.90, 0.92, 0.91], 0.1), np.quantile([0.95, 0.94, 0.96], 0.1)]
    np.testing.assert_allclose(bands["q10"], expected_q10)
    rho, p = focus_order.rank_test(batches, shares)
    # two groups of 3, perfectly separated (ties within each batch size)
    assert rho > 0.8 and p < 0.05
    assert focus_order.decide(bands, rho, p) is True
    reversed_shares = shares[::-1]
    bands = focus_order.share_bands(batches, reversed_shares)
    assert focus_order.decide(bands, *focus_order.rank_test(batches, reversed_shares)) is False
    single = focus_order.share_bands([32], [0.9])
    assert focus_order.decide(single, *focus_order.rank_test([32], [0.9])) is None


def test_focus_rows_over_sgd_and_with_gd_pass_and_fail_with_a_reason():
    runs = _runs([32, 32, 32, 512, 512, 512, 4000, 4000], [0] * 7 + [0.001])
    shares = [0.90, 0.91, 0.92, 0.95, 0.96, 0.94, 0.93, 0.5]  # GD (0.93) < SGD-512: breaks at the large end
    sgd, with_gd = focus_claims(runs, shares, "t", 4000, "")
    assert sgd.passed is True and "b=32: 0.9100 [" in sgd.measured and "(3)" in sgd.measured
    assert with_gd.passed is False and "GD (0.9300) is not above b=512's (0.9500)" in with_gd.why
    assert sgd.location == "Sec. 5.2, Fig. 2, 5" and sgd.scope == "images"
    only_sgd = focus_claims(runs[:6], shares[:6], "t", 4000, "; 1 diverged run(s) left out")
    assert len(only_sgd) == 1 and "1 diverged" in only_sgd[0].measured

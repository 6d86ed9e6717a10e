"""App. J's data set kind relu_counterexample against its definition: x[0] = s * U(margin,
margin + 1) with a random sign s, x[1:] ~ N(0, spread^2), y = x[0], support input 0."""

import numpy as np
import pytest
from conftest import tiny_config
from specs import with_defaults

from sgd_support.core.data.registry import build_dataset, io_sizes
from sgd_support.core.data.store import load_dataset, save_dataset
from sgd_support.sweep.validation import ConfigError, check_config

ENTRY = {"kind": "relu_counterexample", "n": 4000, "d": 4, "margin": 0.5, "spread": 0.05, "seed": 3}


def test_shapes_support_and_labels():
    ds = build_dataset(ENTRY)
    assert ds.x.shape == (4000, 4) and ds.y.shape == (4000, 1)
    assert ds.x.dtype == np.float32 and ds.y.dtype == np.float32
    np.testing.assert_array_equal(ds.support, [True, False, False, False])
    np.testing.assert_array_equal(ds.y[:, 0], ds.x[:, 0])  # y = x[0], exactly
    assert io_sizes(ENTRY, {}) == (4, 1)


def test_the_distribution():
    ds = build_dataset(ENTRY)
    relevant = np.abs(ds.x[:, 0])
    # |x[0]| ~ U(0.5, 1.5): inside it (float32 rounding of the bounds aside)
    assert relevant.min() >= np.float32(0.5) and relevant.max() <= np.float32(1.5)
    # uniform: mean 1.0 within 4 standard errors (sd 1/sqrt(12) over sqrt(4000) rows: 0.0046)
    assert abs(relevant.mean() - 1.0) < 4 * 0.0046
    # the sign is a fair coin: share of positives 0.5 within 4 standard errors (0.0079)
    assert abs((ds.x[:, 0] > 0).mean() - 0.5) < 4 * 0.0079
    # irrelevant inputs N(0, 0.05^2): mean within 4 se (0.05/sqrt(12,000) = 4.6e-4), sample
    # sd within 4 se (0.05/sqrt(24,000) = 3.2e-4) of 0.05
    irrelevant = ds.x[:, 1:]
    assert abs(irrelevant.mean()) < 4 * 4.6e-4
    assert abs(irrelevant.std() - 0.05) < 4 * 3.2e-4


def test_defaults_and_determinism_by_seed(tmp_path):
    a = build_dataset(ENTRY)
    b = build_dataset(dict(ENTRY))
    np.testing.assert_array_equal(a.x, b.x)
    c = build_dataset({**ENTRY, "seed": 4})
    assert not np.array_equal(a.x, c.x)
    defaults = build_dataset({"kind": "relu_counterexample", "n": 500, "d": 2})
    assert np.abs(defaults.x[:, 0]).min() >= np.float32(0.5)  # margin 0.5 by default
    assert defaults.generator == {"kind": "relu_counterexample", "d": 2, "margin": 0.5, "spread": 0.05}
    save_dataset(a, tmp_path / "a.npz")
    loaded = load_dataset(tmp_path / "a.npz")
    np.testing.assert_array_equal(loaded.x, a.x)
    assert loaded.generator == a.generator


@pytest.mark.parametrize(
    "entry, key",
    [
        ({"kind": "relu_counterexample", "n": 10, "d": 1}, "datasets.relu.d: 1"),
        ({"kind": "relu_counterexample", "d": 3}, "datasets.relu.n: None"),
    ],
)
def test_validation_names_the_key(entry, key):
    config = tiny_config()
    config["datasets"]["relu"] = entry
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        check_config(with_defaults(config))


def test_batch_sizes_are_checked_against_n():
    config = tiny_config()
    config["datasets"]["relu"] = {"kind": "relu_counterexample", "n": 8, "d": 3}
    config["sweeps"]["tiny"]["datasets"] = ["relu"]
    with pytest.raises(ConfigError, match="allowed: 1..8"):
        check_config(with_defaults(config))

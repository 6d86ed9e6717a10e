"""The frozen ResNet18 backbone, the features data set, and the E9 statistics."""

import numpy as np
import pandas as pd
import pytest
import torch

from sgd_support.core.backbone import WeightsFileError, extract_features, load_backbone, resnet18
from sgd_support.core.data.features import build_features
from sgd_support.core.data.store import Dataset
from sgd_support.experiments.head.claims import e9_claim
from sgd_support.experiments.images.analysis import count_above, svd_basis_gram


@pytest.fixture(scope="module")
def random_backbone():
    torch.manual_seed(0)
    return resnet18("cifar").eval()


def _save_test_weights(model, path, wrap=False):
    """A randomly initialised ResNet18 as a weights file: TEST-ONLY, not a trained model."""
    state = {f"model.{k}": v for k, v in model.state_dict().items()}
    state["model.fc.weight"] = torch.zeros(10, 512)  # a classification layer, which is dropped
    torch.save({"state_dict": state} if wrap else state, path)
    return path


@pytest.mark.parametrize("arch", ["cifar", "imagenet"])
def test_backbone_outputs_512_features(arch):
    images = np.random.default_rng(0).random((3, 32, 32, 3)).astype(np.float32)
    feats = extract_features(resnet18(arch).eval(), images, arch, batch_size=2)
    assert feats.shape == (3, 512) and feats.dtype == np.float32 and (feats >= 0).all()  # after ReLU + pool


@pytest.mark.parametrize("wrap", [False, True])
def test_loaded_weights_give_the_same_features(tmp_path, random_backbone, wrap):
    path = _save_test_weights(random_backbone, tmp_path / "resnet18-random-TEST-ONLY.pt", wrap)
    loaded = load_backbone(path, "cifar")
    assert not any(p.requires_grad for p in loaded.parameters()) and not loaded.training
    images = np.random.default_rng(1).random((4, 32, 32, 3)).astype(np.float32)
    np.testing.assert_array_equal(extract_features(loaded, images), extract_features(random_backbone, images))


def test_missing_weights_name_the_config_key(tmp_path):
    with pytest.raises(WeightsFileError, match="'weights'"):
        load_backbone(tmp_path / "nowhere.pt")
    with pytest.raises(WeightsFileError, match="'weights'"):
        load_backbone(None)
    with pytest.raises(WeightsFileError, match="download"):
        load_backbone("torchvision", "imagenet", download=False)
    with pytest.raises(ValueError, match="imagenet"):
        load_backbone("torchvision", "cifar", download=True)


def test_weights_of_another_arch_are_rejected(tmp_path, random_backbone):
    path = _save_test_weights(random_backbone, tmp_path / "w.pt")
    with pytest.raises(RuntimeError, match="conv1"):
        load_backbone(path, "imagenet")


def test_features_data_set(tmp_path, random_backbone):
    rng = np.random.default_rng(2)
    x, x_test = rng.random((6, 3072)).astype(np.float32), rng.random((2, 3072)).astype(np.float32)
    labels, labels_test = rng.integers(0, 10, 6), rng.integers(0, 10, 2)
    eye = np.eye(10, dtype=np.float32)
    source = Dataset(
        x=x,
        y=eye[labels],
        labels=labels,
        x_test=x_test,
        y_test=eye[labels_test],
        labels_test=labels_test,
        support=np.ones(3072, bool),
        task="classification",
        image_shape=(32, 32, 3),
    )
    path = _save_test_weights(random_backbone, tmp_path / "w.pt")
    ds = build_features(source, {"weights": str(path)})
    assert ds.x.shape == (6, 512) and ds.x_test.shape == (2, 512) and ds.image_shape == ()
    np.testing.assert_array_equal(ds.labels, labels)
    np.testing.assert_array_equal(ds.y_test, eye[labels_test])
    np.testing.assert_array_equal(ds.x[:2], extract_features(random_backbone, x[:2].reshape(2, 32, 32, 3)))
    with pytest.raises(ValueError, match="32x32"):
        build_features(Dataset(x=x[:, :64], y=eye[labels], support=np.ones(64, bool), image_shape=(8, 8)), {})


def test_svd_basis_gram_rows_are_scaled_singular_directions():
    w = np.random.default_rng(3).normal(size=(3, 8))
    gram = svd_basis_gram(w)
    s = np.linalg.svd(w, compute_uv=False)
    assert gram.shape == (8, 8)
    # float64 SVD and products: measured 3.5e-16 relative and 1.6e-15 absolute (AMD EPYC);
    # the bars are ~1e5x above (LAPACK builds differ in summation order), far below any error
    np.testing.assert_allclose(np.linalg.norm(gram, axis=1)[:3], s**2, rtol=1e-10)
    np.testing.assert_allclose(gram[3:], 0, atol=1e-12)
    assert count_above(np.array([0.1, 0.5, 2.0]), 0.4) == 2


def _runs_and_table(counts, statuses=None):
    runs = [
        {"name": n, "lr": "0.1", "effective_batch": b, "weight_decay": wd}
        for n, b, wd in (("SGD-2048", 2048, 0), ("SGD-32", 32, 0), ("SGD-128+wd", 128, 0.01))
    ]
    table = pd.DataFrame(
        {"eigenvalues_above": [512, *counts], "status": ["", *(statuses or ["completed"] * 3)]}
    )
    return runs, table


def test_e9_claim():
    runs, table = _runs_and_table([400, 100, 9])
    claim = e9_claim(table, runs, 0.01, "t")
    assert claim.passed is True and "SGD-128+wd lr 0.1: 9" in claim.measured
    assert claim.location == "App. D, Fig. 8, 18, 19" and claim.scope == "images" and claim.why == ""
    runs, table = _runs_and_table([100, 400, 9])
    failed = e9_claim(table, runs, 0.01, "t")
    assert failed.passed is False and "eigenvalues kept" in failed.why
    runs, table = _runs_and_table([400, 100, 9], ["completed", "completed", "diverged"])
    undecided = e9_claim(table, runs, 0.01, "t")
    assert undecided.passed is None and "weight-decay run" in undecided.why

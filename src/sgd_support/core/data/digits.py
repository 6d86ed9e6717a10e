"""scikit-learn's bundled 8x8 digits: real images that need no network.

1,797 grey images with values 0..16, scaled to [0, 1]; targets are one-hot rows
(MSE on one-hot targets, as the theory assumes) with class ids in ``labels``. Its
corner pixels are never lit, like MNIST's, which makes it an offline stand-in for
E7. The support is the set of pixels that vary over the training images.
"""

from __future__ import annotations

import numpy as np

from sgd_support.core.data.store import Dataset


def build(cfg: dict) -> Dataset:
    """Split ``load_digits()`` into train/test with a seeded permutation.

    cfg: ``test_fraction`` (default 0.2), ``seed`` (split seed, default 0).
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    labels = digits.target.astype(np.int64)
    order = np.random.default_rng(cfg.get("seed", 0)).permutation(len(x))
    n_test = int(round(cfg.get("test_fraction", 0.2) * len(x)))
    test, train = order[:n_test], order[n_test:]
    onehot = np.eye(10, dtype=np.float32)
    return Dataset(
        x=x[train],
        y=onehot[labels[train]],
        labels=labels[train],
        x_test=x[test],
        y_test=onehot[labels[test]],
        labels_test=labels[test],
        support=x[train].std(axis=0) > 0,
        task="classification",
        image_shape=(8, 8),
    )

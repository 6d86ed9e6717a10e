"""Frozen-backbone features of an image data set (Appendix D): the data set the
MLP head trains on.

Built by its own rule (``extract_features``) from the source image data set's
``.npz``, once; every head job reads the result like any other data set. Rows are
the 512 ResNet18 features; targets and labels are the source's; the support is
the set of features that vary over the training images.
"""

from __future__ import annotations

import logging
import time

from sgd_support.core.backbone import extract_features, load_backbone
from sgd_support.core.data.store import Dataset

log = logging.getLogger("sgd_support.features")


def build_features(source: Dataset, cfg: dict, device: str = "auto") -> Dataset:
    """Encode ``source`` (colour 32x32 images) with the backbone of ``cfg``.

    cfg: ``weights`` (file path, or "torchvision"), ``arch`` (cifar | imagenet,
    default cifar), ``download`` (for "torchvision" weights, default false).
    """
    if tuple(source.image_shape) != (32, 32, 3):
        raise ValueError(
            f"the backbone encodes 32x32 colour images; the source has shape {source.image_shape}"
        )
    arch = cfg.get("arch", "cifar")
    model = load_backbone(cfg.get("weights"), arch, bool(cfg.get("download", False)))
    start = time.perf_counter()
    features = {}
    for split, x in (("train", source.x), ("test", source.x_test)):
        images = x.reshape(len(x), 32, 32, 3)
        features[split] = extract_features(model, images, arch, device=device)
    log.info(
        "extracted %d + %d feature rows in %.2f s",
        len(source.x),
        len(source.x_test),
        time.perf_counter() - start,
    )
    x = features["train"]
    return Dataset(
        x=x,
        y=source.y,
        labels=source.labels,
        x_test=features["test"],
        y_test=source.y_test,
        labels_test=source.labels_test,
        support=x.std(axis=0) > 0,
        task="classification",
    )

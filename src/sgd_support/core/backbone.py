"""The frozen ResNet18 of Appendix D: 32x32 images -> 512-d features.

The paper's backbone is a CIFAR10-trained ResNet18 (93% test accuracy,
https://github.com/huyvnphan/PyTorch_CIFAR10): torchvision's ResNet18 with a 3x3,
stride-1 first convolution and no max-pool (``arch: cifar``), inputs normalised
with the CIFAR10 channel statistics. ``arch: imagenet`` is torchvision's ResNet18
as it is; with ``weights: torchvision`` it loads torchvision's ImageNet weights
(downloaded where the machine is online). The classification layer is replaced by
the identity, so the network outputs the 512 averaged features.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ARCHS = ("cifar", "imagenet")
TORCHVISION = "torchvision"  # the `weights` value that asks for torchvision's pretrained weights
# Channel means and standard deviations of the images each backbone was trained on.
NORMALISATION = {
    "cifar": ((0.4914, 0.4822, 0.4465), (0.2471, 0.2435, 0.2616)),  # CIFAR10 (huyvnphan's models)
    "imagenet": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
}


class WeightsFileError(FileNotFoundError):
    """The backbone weights file named in the config does not exist."""


def resnet18(arch: str = "cifar"):
    """An untrained ResNet18 of ``arch`` whose ``fc`` is the identity (512-d output)."""
    import torch.nn as nn
    from torchvision.models import resnet18 as tv_resnet18

    if arch not in ARCHS:
        raise ValueError(f"unknown backbone arch {arch!r}; allowed: {', '.join(ARCHS)}")
    model = tv_resnet18(weights=None)
    if arch == "cifar":
        model.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        model.maxpool = nn.Identity()
    model.fc = nn.Identity()
    return model


def _state_dict(path: Path) -> dict:
    """A state dict from ``torch.save``'d weights: a plain state dict or a checkpoint
    holding one under ``state_dict``; ``model.``/``module.`` prefixes and the
    classification layer (``fc.*``) are dropped."""
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    clean = {}
    for key, value in state.items():
        for prefix in ("model.", "module."):
            key = key.removeprefix(prefix)
        if not key.startswith("fc."):
            clean[key] = value
    return clean


def load_backbone(weights: str | os.PathLike | None, arch: str = "cifar", download: bool = False):
    """The frozen backbone (eval mode, no gradients) with ``weights`` loaded.

    weights: a file path (config key ``weights``), or ``"torchvision"`` for
    torchvision's ImageNet weights (``arch: imagenet``; downloaded only when
    ``download``). A missing file raises :class:`WeightsFileError` naming the key.
    """
    model = resnet18(arch)
    if weights is None:
        raise WeightsFileError(
            "the backbone needs weights: set config key 'weights' of the features data set"
        )
    if str(weights) == TORCHVISION:
        if arch != "imagenet":
            raise ValueError("weights: torchvision are ImageNet weights; they need arch: imagenet")
        if not download:
            raise WeightsFileError("weights: torchvision fetches the weights: it needs 'download: true'")
        from torchvision.models import ResNet18_Weights

        state = ResNet18_Weights.IMAGENET1K_V1.get_state_dict(progress=False)
        state = {k: v for k, v in state.items() if not k.startswith("fc.")}
    else:
        path = Path(weights)
        if not path.is_file():
            raise WeightsFileError(
                f"backbone weights file {str(path)!r} (config key 'weights' of the features data set) "
                "does not "
                "exist; give the path of a ResNet18 state dict (e.g. the paper's CIFAR10 ResNet18 from "
                "https://github.com/huyvnphan/PyTorch_CIFAR10) or 'torchvision' with arch: imagenet"
            )
        state = _state_dict(path)
    model.load_state_dict(state, strict=True)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def extract_features(
    model, images: np.ndarray, arch: str = "cifar", batch_size: int = 500, device: str = "auto"
) -> np.ndarray:
    """512-d features (float32, (n, 512)) of ``images`` (n, 32, 32, 3) in [0, 1],
    normalised with the backbone's training statistics, in batches."""
    import torch

    dev = torch.device(
        "cuda" if device == "auto" and torch.cuda.is_available() else "cpu" if device == "auto" else device
    )
    model = model.to(dev)
    mean, std = (torch.tensor(v, device=dev).view(1, 3, 1, 1) for v in NORMALISATION[arch])
    out = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            chunk = torch.as_tensor(np.ascontiguousarray(images[start : start + batch_size]), device=dev)
            chunk = (chunk.permute(0, 3, 1, 2).float() - mean) / std
            out.append(model(chunk).cpu().numpy())
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 512), np.float32)

"""Bias-free MLPs: layer shapes and the authors' initialisation.

A model is a list of weight matrices ``W_i`` of shape (out, in), applied as
``h <- act(h @ W_i.T)`` with the activation on hidden layers only. Weights are
drawn once per (data set, model, init seed) by their own rule and stored as
``.npz``, so every optimizer, lr and batch size starts from the same bytes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np

from sgd_support.core.atomic import atomic_path
from sgd_support.core.errors import reading

ACTIVATIONS = ("identity", "relu")
INITS = ("kaiming_normal", "kaiming_uniform")


def layer_shapes(d: int, widths: Sequence[int], outputs: int) -> list[tuple[int, int]]:
    """Shapes (out, in) of the layers of the MLP d -> widths... -> outputs."""
    sizes = [d, *widths, outputs]
    return [(sizes[i + 1], sizes[i]) for i in range(len(sizes) - 1)]


def init_weights(
    shapes: Sequence[tuple[int, int]], seed: int, scheme: str = "kaiming_normal"
) -> list[np.ndarray]:
    """Draw float32 weights with torch's generator, following the authors.

    The authors built their ``nn.Linear(bias=False)`` layers after
    ``torch.manual_seed(seed)`` and then re-initialised each weight with
    ``kaiming_normal_(w, nonlinearity="relu")``. Building the layers runs
    PyTorch's default init (``kaiming_uniform_(a=sqrt(5))``) first, which consumes
    the generator, so we replay those draws too: without them init seed 0 gives
    an irrelevant norm of 4.31 instead of the authors' 4.48. ``kaiming_uniform``
    (App. D's head) re-initialises with ``kaiming_uniform_(nonlinearity="relu")``.
    """
    import torch  # only the init rule pays for importing torch

    if scheme not in INITS:
        raise ValueError(f"unknown init {scheme!r}; allowed: {', '.join(INITS)}")
    torch.manual_seed(seed)
    layers = [torch.empty(out_dim, in_dim, dtype=torch.float32) for out_dim, in_dim in shapes]
    for w in layers:  # what nn.Linear's constructor draws
        torch.nn.init.kaiming_uniform_(w, a=math.sqrt(5))
    reinit = getattr(torch.nn.init, scheme + "_")
    for w in layers:
        reinit(w, nonlinearity="relu")
    return [w.numpy().copy() for w in layers]


def given_weights(shapes: Sequence[tuple[int, int]], values: Sequence) -> list[np.ndarray]:
    """Weights set to explicit ``values`` (one nested list per layer, each of shape
    (out, in)), as float32: the toy model's start (a, b) is ``[[[b]], [[a]]]``."""
    weights = [np.asarray(v, dtype=np.float32) for v in values]
    got = [w.shape for w in weights]
    if got != [tuple(s) for s in shapes]:
        raise ValueError(f"init values have layer shapes {got}, the model needs {list(shapes)}")
    return weights


def save_weights(weights: Sequence[np.ndarray], path: str | os.PathLike) -> None:
    """Write a list of weight matrices to an ``.npz`` (keys w0, w1, ...), atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **{f"w{i}": w for i, w in enumerate(weights)})


def load_weights(path: str | os.PathLike) -> list[np.ndarray]:
    """Read weights written by :func:`save_weights`, in layer order (DamagedFileError if
    they do not read)."""
    with reading(path), np.load(path) as f:
        return [f[f"w{i}"] for i in range(len(f.files))]

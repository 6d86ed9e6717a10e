"""Bias-free networks: layer shapes, structural zeros and initialisation.

A model is a list of weight matrices ``W_i`` of shape (out, in), applied as
``h <- act(h @ W_i.T)`` with the activation on hidden layers only. Weights are
drawn once per (data set, model, init seed) by their own rule and stored as
``.npz``, so every optimizer, lr and batch size starts from the same bytes.

Two structures (the model entry's ``structure``): ``dense``, the MLP d -> widths...
-> outputs, and ``diagonal``, the diagonal network of the paper's Prop. 1 / Theorem 2:
``depth - 1`` d x d layers kept diagonal, then an outputs x d layer, so that with
identity activations f(x) = sum_j (prod_l W_l[j, j]) x_j (one output). Its weights
are stored as ordinary dense matrices whose off-diagonal entries are structural zeros
(:func:`structural_masks`), so W1[:, r:], the norms and snapshots read as for an MLP.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np

from sgd_support.core.atomic import atomic_path
from sgd_support.core.errors import reading

ACTIVATIONS = ("identity", "relu")
INITS = ("kaiming_normal", "kaiming_uniform", "normal")
STRUCTURES = ("dense", "diagonal")


def layer_shapes(d: int, widths: Sequence[int], outputs: int) -> list[tuple[int, int]]:
    """Shapes (out, in) of the layers of the MLP d -> widths... -> outputs."""
    sizes = [d, *widths, outputs]
    return [(sizes[i + 1], sizes[i]) for i in range(len(sizes) - 1)]


def diagonal_shapes(d: int, depth: int, outputs: int) -> list[tuple[int, int]]:
    """Shapes (out, in) of the diagonal network of ``depth`` layers on d inputs:
    ``depth - 1`` layers (d, d), then (outputs, d)."""
    if depth < 2:
        raise ValueError(f"a diagonal network needs depth >= 2, got {depth}")
    return [(d, d)] * (depth - 1) + [(outputs, d)]


def model_shapes(d: int, model: dict, outputs: int) -> list[tuple[int, int]]:
    """Layer shapes of the model config entry ``model`` (schema defaults filled) on a
    data set of d inputs and ``outputs`` outputs."""
    if model["structure"] == "diagonal":
        return diagonal_shapes(d, model["depth"], outputs)
    return layer_shapes(d, model["widths"], outputs)


def layer_count(model: dict) -> int:
    """Number of weight layers of the model config entry ``model``: a dense model has
    widths, a diagonal one depth instead (validation holds each to its own key)."""
    return len(model["widths"]) + 1 if "widths" in model else model["depth"]


def structural_masks(shapes: Sequence[tuple[int, int]], structure: str) -> list[np.ndarray] | None:
    """Per layer, float32 1 where a weight may be non-zero and 0 on structural zeros:
    the diagonal of every square layer but the last (which is dense) for ``diagonal``;
    None for ``dense`` (no structural zeros)."""
    if structure not in STRUCTURES:
        raise ValueError(f"unknown structure {structure!r}; allowed: {', '.join(STRUCTURES)}")
    if structure == "dense":
        return None
    masks = [np.eye(out_dim, in_dim, dtype=np.float32) for out_dim, in_dim in shapes[:-1]]
    return [*masks, np.ones(shapes[-1], dtype=np.float32)]


def model_init(shapes: Sequence[tuple[int, int]], model: dict, seed: int) -> list[np.ndarray]:
    """The initial weights of the model config entry ``model`` (defaults filled) for
    init seed ``seed``: its ``values``, iid normal weights (off the structural zeros),
    or the authors' kaiming init (dense only; validation refuses it for diagonal)."""
    masks = structural_masks(shapes, model["structure"])
    if model["init"] == "values":  # explicit start, the same for every init seed
        return given_weights(shapes, model["values"], masks)
    if model["init"] == "normal":
        return normal_weights(shapes, seed, model["init_std"], masks)
    if masks is not None:
        raise ValueError(f"init {model['init']} is for dense models; a diagonal one takes normal or values")
    return init_weights(shapes, seed, model["init"])


def normal_weights(
    shapes: Sequence[tuple[int, int]], seed: int, std: float, masks: Sequence[np.ndarray] | None = None
) -> list[np.ndarray]:
    """float32 weights iid N(0, std^2) from torch's generator seeded with ``seed``; with
    ``masks`` only the entries a mask allows are drawn (in row-major order, layer by
    layer) and the structural zeros are exactly 0, so a diagonal layer's draws do not
    depend on how many zeros surround them."""
    import torch  # only the init rule pays for importing torch

    generator = torch.Generator().manual_seed(seed)
    weights = []
    for i, shape in enumerate(shapes):
        allowed = np.ones(shape, dtype=bool) if masks is None else masks[i] != 0
        w = np.zeros(shape, dtype=np.float32)
        drawn = torch.randn(int(allowed.sum()), generator=generator, dtype=torch.float32)
        w[allowed] = std * drawn.numpy()
        weights.append(w)
    return weights


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

    kaiming = ("kaiming_normal", "kaiming_uniform")
    if scheme not in kaiming:
        raise ValueError(f"unknown init {scheme!r}; allowed: {', '.join(kaiming)}")
    torch.manual_seed(seed)
    layers = [torch.empty(out_dim, in_dim, dtype=torch.float32) for out_dim, in_dim in shapes]
    for w in layers:  # what nn.Linear's constructor draws
        torch.nn.init.kaiming_uniform_(w, a=math.sqrt(5))
    reinit = getattr(torch.nn.init, scheme + "_")
    for w in layers:
        reinit(w, nonlinearity="relu")
    return [w.numpy().copy() for w in layers]


def given_weights(
    shapes: Sequence[tuple[int, int]], values: Sequence, masks: Sequence[np.ndarray] | None = None
) -> list[np.ndarray]:
    """Weights set to explicit ``values`` (one nested list per layer, each of shape
    (out, in)), as float32: the toy model's start (a, b) is ``[[[b]], [[a]]]``. With
    ``masks``, a non-zero value on a structural zero is an error (it would never train)."""
    weights = [np.asarray(v, dtype=np.float32) for v in values]
    got = [w.shape for w in weights]
    if got != [tuple(s) for s in shapes]:
        raise ValueError(f"init values have layer shapes {got}, the model needs {list(shapes)}")
    for i, (w, mask) in enumerate(zip(weights, masks or [])):
        if np.any(w[mask == 0] != 0):
            raise ValueError(f"init values of layer {i} are not zero off its diagonal (structural zeros)")
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

"""First-layer and data statistics for image experiments (E7, E8; E9 reuses some).

Inputs are the flattened images of a :class:`~sgd_support.core.data.store.Dataset`
(rows of length ``prod(image_shape)``, channels last for colour) and first-layer
weights ``W1`` of shape (hidden, d). Everything is computed in float64.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def gram_eigenvalues(w1: np.ndarray) -> np.ndarray:
    """Eigenvalues of ``W1^T W1`` (d x d), ascending; d - rank of them are ~0."""
    w = np.asarray(w1, dtype=np.float64)
    return np.clip(np.linalg.eigvalsh(w.T @ w), 0.0, None)


def focus_map(w1: np.ndarray, image_shape: Sequence[int]) -> np.ndarray:
    """Norm of each input pixel's column of ``W1``, as an (h, w) image.

    For colour images (shape (h, w, c), channels last) a pixel's norm is taken
    over its c columns together.
    """
    col_sq = np.square(np.asarray(w1, dtype=np.float64)).sum(axis=0).reshape(tuple(image_shape))
    if col_sq.ndim == 3:
        col_sq = col_sq.sum(axis=2)
    return np.sqrt(col_sq)


def effective_pixel_share(focus: np.ndarray) -> float:
    """How spread a focus map is: the participation ratio of its squared values
    over the pixels, divided by the number of pixels.

    With ``m_j = focus_j^2`` (the squared column norm of pixel j), this is
    ``(sum m)^2 / (sum m^2) / n_pixels``: 1 when every pixel has the same column
    norm, 1/n_pixels when one pixel holds all of W1. At a Gaussian init it is
    close to 1; a first layer that concentrates on fewer pixels has a smaller share.
    """
    m = np.square(np.asarray(focus, dtype=np.float64)).ravel()
    return float(m.sum() ** 2 / np.square(m).sum() / m.size)


def never_lit(x: np.ndarray) -> np.ndarray:
    """(d,) bool: the inputs that are zero in every row of ``x`` (e.g. MNIST's corners)."""
    return np.all(np.asarray(x) == 0, axis=0)


def column_change(w_init: np.ndarray, w_end: np.ndarray, columns: np.ndarray) -> float:
    """Largest absolute change of ``W1``'s entries in ``columns`` (0.0 when none)."""
    if not np.any(columns):
        return 0.0
    diff = np.asarray(w_end, dtype=np.float64)[:, columns] - np.asarray(w_init, dtype=np.float64)[:, columns]
    return float(np.abs(diff).max())


def grey_pixels(x: np.ndarray, image_shape: Sequence[int]) -> np.ndarray:
    """Rows of ``x`` as grey images: colour (h, w, c) rows averaged over c, so
    (n, h*w); grey rows are returned unchanged."""
    x = np.asarray(x)
    if len(image_shape) == 3:
        return x.reshape(len(x), -1, image_shape[2]).mean(axis=2)
    return x


def pixel_covariance(x: np.ndarray) -> np.ndarray:
    """Covariance (p x p) of the pixel columns of ``x`` (n, p), float64, 1/(n-1)."""
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=0)
    return centred.T @ centred / max(len(x) - 1, 1)


def covariance_spectrum(cov: np.ndarray) -> np.ndarray:
    """Eigenvalues of a covariance matrix, descending, clipped at 0."""
    return np.clip(np.linalg.eigvalsh(cov)[::-1], 0.0, None)


def numerical_zero(eigenvalues: np.ndarray) -> float:
    """The level below which eigenvalues of a covariance matrix are zero to rounding:
    the largest times the matrix size times float64's epsilon (numpy's ``matrix_rank``
    tolerance). A never-lit pixel's variance is exactly 0, but eigvalsh returns its
    eigenvalue as rounding noise (down to 1e-35 on MNIST) rather than 0."""
    eig = np.asarray(eigenvalues, dtype=np.float64)
    return float(eig.max(initial=0.0)) * len(eig) * np.finfo(np.float64).eps


def components_for_variance(eigenvalues: np.ndarray, share: float = 0.9) -> int:
    """The number of leading eigenvalues that explain ``share`` of the total variance."""
    eig = np.sort(np.asarray(eigenvalues, dtype=np.float64))[::-1]
    cumulative = np.cumsum(eig) / eig.sum()
    return int(np.searchsorted(cumulative, share) + 1)


def svd_basis_gram(w1: np.ndarray) -> np.ndarray:
    """``|V^T (W1^T W1)|`` (d x d), V the right singular vectors of W1 as columns,
    by decreasing singular value (the paper's Fig. 18).

    Row i equals ``s_i^2 v_i^T``: a first layer that uses only k directions of
    its input has k bright rows and dark rows below them.
    """
    w = np.asarray(w1, dtype=np.float64)
    _, _, vt = np.linalg.svd(w, full_matrices=True)
    return np.abs(vt @ (w.T @ w))


def count_above(eigenvalues: np.ndarray, threshold: float) -> int:
    """How many eigenvalues exceed ``threshold``."""
    return int(np.sum(np.asarray(eigenvalues) > threshold))

"""Linear networks through their end-to-end matrix: GD from the data's sufficient statistics.

A bias-free MLP with identity activations computes f(x) = P x with P = W_L ... W_1
(outputs x inputs). Its MSE loss over rows (x_i, y_i), L = sum_i ||P x_i - y_i||^2 / (n k),
depends on the data only through S = X^T X / n (d x d), C = X^T Y / n (d x k) and
yy = sum ||y_i||^2 / n:

    L = (tr(P S P^T) - 2 tr(P C) + yy) / k,    dL/dP^T = G = 2 (S P^T - C) / k,

and the gradient of layer l is a_l u_l^T, where a_l = (W_L ... W_{l+1})^T (out_l x k, the
backward pass of the k x k identity) and u_l = W_{l-1} ... W_1 G (in_l x k, the forward
pass of G). So a full-batch (GD, GD+wd) step costs O(k (d^2 + weights)) instead of
O(n weights): about 3,000 multiply-adds for the 15 -> 15 -> 15 -> 15 -> 1 network
whatever the rows, against 20 million on 10,000 rows (benchmarks/linear_engine.py).
The full training loss (and test loss) at each record comes from the same
statistics.

Mini-batch SGD uses the end-to-end matrix too: the batch's residuals P x_i - y_i and
G = 2 sum_i x_i r_i^T / (b k) cost 2 b d k, plus the same O(k weights) for the layers,
against three passes of b x weights through every layer. (Forming the batch's own
X_b^T X_b instead costs b d^2 / 2, more than the residuals: measured and rejected in
benchmarks/linear_engine.py.) ``engines.pick_engine`` chooses this engine only where
it measured faster than the numba engine (``LINEAR_MIN_BATCH``).

Arithmetic: the statistics, P, G and the layer gradients in float64; the gradient is
rounded to float32 and clipped, decayed and applied exactly as the numba engine does
(float32 weights, ``coef = min(clip / (||g|| + 1e-6), 1)`` over per-layer norms, weight
decay after clipping). The result equals the numba and torch engines' trajectories up
to rounding (tests/test_linear_engine.py: within the spread that one ulp of the init
causes in the numba engine itself).
"""

from __future__ import annotations

import numba
import numpy as np

from sgd_support.core.data.store import Dataset
from sgd_support.core.engines.numba_engine import NumbaEngine, _accuracy, _forward, tiny_problem

# Reassociation lets LLVM vectorise the float64 sums (their order is not the numba
# engine's either); the float32 update in ``_apply`` is written without it.
_FASTMATH = {"reassoc", "contract"}


@numba.njit(cache=True, fastmath=_FASTMATH)
def _collapse(params, shapes, poff, a):
    """a[l, :k, :out_l] = (W_L ... W_{l+1}) for l = L..0 (a[L] = I_k, a[0] = P): the
    backward pass of the identity, in float64, output-major (one row per output)."""
    n_layers = shapes.shape[0]
    k = shapes[n_layers - 1, 0]
    for j in range(k):
        for o in range(k):
            a[n_layers, j, o] = 1.0 if o == j else 0.0
    for layer in range(n_layers - 1, -1, -1):
        n_out, n_in, base = shapes[layer, 0], shapes[layer, 1], poff[layer]
        for j in range(k):
            dst, src = a[layer, j], a[layer + 1, j]
            for i in range(n_in):
                dst[i] = 0.0
            for o in range(n_out):
                s, row = src[o], base + o * n_in
                for i in range(n_in):
                    dst[i] += s * params[row + i]


@numba.njit(cache=True, fastmath=_FASTMATH)
def _gradients(params, shapes, poff, a, u, grads):
    """From G = dL/dP (u[0, :k, :d], float64) and the a of ``_collapse``: u[l + 1] =
    W_l u[l], the gradient of layer l = a[l + 1]^T u[l] rounded to float32 into
    ``grads``; returns the sum of squares of each layer's norm (clip_grad_norm_'s)."""
    n_layers = shapes.shape[0]
    k = shapes[n_layers - 1, 0]
    for layer in range(n_layers - 1):  # u of the last layer's input is all that is needed
        n_out, n_in, base = shapes[layer, 0], shapes[layer, 1], poff[layer]
        for j in range(k):
            src = u[layer, j]
            for o in range(n_out):
                s, row = 0.0, base + o * n_in
                for i in range(n_in):
                    s += params[row + i] * src[i]
                u[layer + 1, j, o] = s
    total = 0.0
    for layer in range(n_layers):
        n_out, n_in, base = shapes[layer, 0], shapes[layer, 1], poff[layer]
        sq = 0.0
        for o in range(n_out):
            row = base + o * n_in
            for i in range(n_in):
                s = 0.0
                for j in range(k):
                    s += a[layer + 1, j, o] * u[layer, j, i]
                gp = np.float32(s)
                grads[row + i] = gp
                sq += np.float64(gp) * np.float64(gp)
        norm = np.float32(np.sqrt(sq))
        total += np.float64(norm) * np.float64(norm)
    return total


@numba.njit(cache=True)
def _apply(params, grads, total, lr, wd, clip):
    """Clip (``total``: the squared global norm), weight decay and ``w <- w - lr g``, in
    float32 as the numba engine: coef = min(clip / (||g|| + 1e-6), 1), decay after it."""
    one, zero, eps = np.float32(1.0), np.float32(0.0), np.float32(1e-6)
    coef = one
    if clip > zero:
        coef = min(clip / (np.float32(np.sqrt(total)) + eps), one)
    for p in range(params.shape[0]):
        gp = grads[p] * coef
        if wd != zero:
            gp = gp + wd * params[p]
        params[p] = params[p] - lr * gp


@numba.njit(cache=True, fastmath=_FASTMATH)
def _gd_chunk(params, shapes, poff, s_xx, c_xy, yy, steps, lr, wd, clip, a, u, grads):
    """``steps`` full-batch updates from S = X^T X / n, C = (X^T Y / n)^T (k x d) and
    yy = sum ||y||^2 / n (float64); returns the loss before the last update."""
    n_layers = shapes.shape[0]
    k = shapes[n_layers - 1, 0]
    d = shapes[0, 1]
    loss = np.nan
    for _ in range(steps):
        _collapse(params, shapes, poff, a)
        quad = 0.0
        for j in range(k):
            p, c, g = a[0, j], c_xy[j], u[0, j]
            for f in range(d):
                s, row = 0.0, s_xx[f]
                for e in range(d):
                    s += row[e] * p[e]
                quad += p[f] * (s - 2.0 * c[f])
                g[f] = 2.0 * (s - c[f]) / k
        loss = (quad + yy) / k
        _apply(params, grads, _gradients(params, shapes, poff, a, u, grads), lr, wd, clip)
    return loss


@numba.njit(cache=True, fastmath=_FASTMATH)
def _sgd_chunk(x, y, indices, offsets, params, shapes, poff, lr, wd, clip, a, u, grads):
    """One update per batch ``indices[offsets[j]:offsets[j+1]]`` through P: residuals
    r_i = P x_i - y_i and G = 2 sum_i r_i x_i^T / (b k); returns the last batch's loss."""
    n_layers = shapes.shape[0]
    k = shapes[n_layers - 1, 0]
    d = shapes[0, 1]
    loss = np.nan
    for j in range(offsets.shape[0] - 1):
        _collapse(params, shapes, poff, a)
        start, stop = offsets[j], offsets[j + 1]
        sq = 0.0
        for jj in range(k):
            p, g = a[0, jj], u[0, jj]
            for f in range(d):
                g[f] = 0.0
            for r in range(start, stop):
                xr = x[indices[r]]
                s = 0.0
                for f in range(d):
                    s += p[f] * xr[f]
                res = s - y[indices[r], jj]
                sq += res * res
                for f in range(d):
                    g[f] += res * xr[f]
            scale = 2.0 / ((stop - start) * k)
            for f in range(d):
                g[f] *= scale
        loss = sq / ((stop - start) * k)
        _apply(params, grads, _gradients(params, shapes, poff, a, u, grads), lr, wd, clip)
    return loss


def statistics(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(X^T X / n (d x d), (X^T Y / n)^T (k x d), sum ||y_i||^2 / n) in float64: all that
    the MSE of a linear map, and its gradient, need of the data."""
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    n = x64.shape[0]
    return x64.T @ x64 / n, np.ascontiguousarray((x64.T @ y64).T / n), float(np.sum(y64 * y64)) / n


def _loss_from(stats, p: np.ndarray) -> float:
    """MSE of f(x) = P x (p: P, k x d) from the statistics, as float32 like the numba
    engine's; float64 keeps the cancellation of the three terms harmless (measured:
    within 1e-9 of a float64 pass through the rows at a loss of 1e-6)."""
    s_xx, c_xy, yy = stats
    quad = float(np.sum(p * (p @ s_xx - 2.0 * c_xy)))
    return float(np.float32((quad + yy) / p.shape[0]))


class LinearEngine(NumbaEngine):
    """Trains a bias-free identity-activation MLP with MSE loss on the CPU through its
    end-to-end matrix: the numba engine's interface, flat float32 weight buffer and
    update semantics, with the steps and the losses computed another way."""

    name = "linear"

    def __init__(
        self,
        data: Dataset,
        weights: list[np.ndarray],
        *,
        activation: str,
        loss: str,
        batch: int | None | str = "unknown",
        **hyper,
    ) -> None:
        device = hyper.get("device", "auto")
        if loss != "mse" or activation != "identity" or device not in ("auto", "cpu"):
            raise ValueError(
                "the linear engine trains MSE MLPs with identity activations on the CPU; got "
                f"loss={loss!r}, activation={activation!r}, device={device!r} (use engine: numba or torch)"
            )
        super().__init__(data, weights, activation=activation, loss=loss, **hyper)
        k = int(self.shapes[-1, 0])
        self._a = np.zeros((len(self.shapes) + 1, k, self._width))
        self._u = np.zeros((len(self.shapes) + 1, k, self._width))
        self.train_stats = statistics(self.x, self.y)  # O(n d^2) once; every step is O(d^2 k)
        self.test_stats = None if self.x_test is None else statistics(self.x_test, self.y_test)
        # "sufficient statistics" (GD) or "end-to-end matrix" (SGD): known from the run's
        # batch (None: full batch) before the first step, so the loop's metadata has it;
        # a caller that gives no batch learns it from the first step
        methods = {None: "sufficient statistics"}
        self.method = methods.get(batch, "end-to-end matrix" if isinstance(batch, int) else None)

    def end_to_end(self) -> np.ndarray:
        """P = W_L ... W_1 (k x d, float64): the network's linear map."""
        _collapse(self.params, self.shapes, self.poff, self._a)
        return self._a[0, :, : self.shapes[0, 1]].copy()

    # -- training ----------------------------------------------------------------
    def step_full(self, k: int) -> float:
        """``k`` full-batch updates from the sufficient statistics; the loss before the last."""
        self.method = "sufficient statistics"
        s_xx, c_xy, yy = self.train_stats
        return float(
            _gd_chunk(
                self.params,
                self.shapes,
                self.poff,
                s_xx,
                c_xy,
                yy,
                k,
                self.lr,
                self.wd,
                self.clip,
                self._a,
                self._u,
                self.grads,
            )
        )

    def step_batches(self, indices: np.ndarray, offsets: np.ndarray) -> float:
        """One update per batch ``indices[offsets[j]:offsets[j+1]]``; the last batch's loss."""
        self.method = "end-to-end matrix"
        return float(
            _sgd_chunk(
                self.x,
                self.y,
                np.ascontiguousarray(indices, dtype=np.int64),
                np.ascontiguousarray(offsets, dtype=np.int64),
                self.params,
                self.shapes,
                self.poff,
                self.lr,
                self.wd,
                self.clip,
                self._a,
                self._u,
                self.grads,
            )
        )

    # -- metrics -----------------------------------------------------------------
    def evaluate(self) -> dict[str, float]:
        """Full training loss (and test loss) from the statistics, O(d^2 k); accuracies
        (one-hot targets) need each row's output and take a forward pass."""
        p = self.end_to_end()
        metrics = {"full_loss": _loss_from(self.train_stats, p)}
        if self.test_stats is not None:
            metrics["test_loss"] = _loss_from(self.test_stats, p)
        if self.y.shape[1] > 1:  # one-hot targets: a classifier trained with MSE
            ws = self._views()
            metrics["train_accuracy"] = _accuracy(_forward(self.x.T, ws, False)[-1].T, self.y)
            if self.x_test is not None:
                metrics["test_accuracy"] = _accuracy(_forward(self.x_test.T, ws, False)[-1].T, self.y_test)
        return metrics

    def describe(self) -> dict[str, str]:
        described = {"engine": self.name, "device": "cpu", "numba": numba.__version__}
        if self.method:
            described["method"] = self.method
        return described


def compile_kernels() -> dict:
    """Compile (or load from numba's cache) the kernels on a tiny problem, as
    ``numba_engine.compile_kernels`` does for its own; returns the cache statistics."""
    data, weights = tiny_problem()
    engine = LinearEngine(
        data, weights, activation="identity", loss="mse", lr=0.1, weight_decay=0.1, clip=1.0
    )
    engine.step_full(1)
    engine.step_batches(np.arange(8), np.array([0, 4, 8]))
    kernels = (_gd_chunk, _sgd_chunk)
    return {
        "cache_hits": sum(sum(k.stats.cache_hits.values()) for k in kernels),
        "cache_misses": sum(sum(k.stats.cache_misses.values()) for k in kernels),
    }

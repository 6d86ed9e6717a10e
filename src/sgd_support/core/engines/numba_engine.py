"""Fast CPU engine for small bias-free MLPs with MSE loss (the synthetic experiments).

The same arithmetic as :mod:`sgd_support.core.engines.torch_engine` (MSE mean over all
outputs, global gradient-norm clip ``coef = min(clip / (||g|| + 1e-6), 1)``, weight
decay added after clipping, ``w <- w - lr * g``, ReLU on hidden layers only), in
float32 like torch, without torch:

- mini-batch SGD: one numba-compiled kernel runs a whole chunk of updates, so a
  step costs no Python or dispatch overhead (an SGD-1 step is a few microseconds);
- full-batch GD: numpy float32 matmuls (BLAS) on feature-major activations, into
  buffers reused every step (a few times the FLOP floor at 10,000 rows).

Activations are stored feature-major (one row per unit, one column per sample), so
the innermost loops run over the batch and vectorise. Kernels are compiled once and
cached on disk (``cache=True``: next to this file, or numba's user cache dir where
that is read-only, or ``NUMBA_CACHE_DIR``); every call uses one type signature, so
a sweep compiles once (rule ``compile_engine`` does it before the training jobs).
Summation order differs from torch's BLAS, so results agree to float32 rounding
(and only statistically in chaotic regimes; tests/test_numba_engine.py).
"""

from __future__ import annotations

import numba
import numpy as np

from sgd_support.core.data.store import Dataset

ACTIVATIONS = ("identity", "relu")

# Reassociation lets LLVM vectorise the reductions (torch's BLAS reorders sums too);
# no "nnan"/"ninf": a diverging run must still produce inf/nan for the driver to see.
_FASTMATH = {"reassoc", "contract"}


# Below this batch size the loops run over units with scalar accumulators; from it
# on, the innermost loops run over the batch (vectorised, 4 units per pass so each
# load feeds several multiply-adds).
_VECTOR_BATCH = 8


@numba.njit(cache=True, fastmath=_FASTMATH)
def _dense(w, n_out, n_in, inp, out, b):
    """out[o, :b] = sum_i w[o, i] * inp[i, :b] (w flat row-major (n_out, n_in))."""
    if b < _VECTOR_BATCH:
        for r in range(b):
            for o in range(n_out):
                s = np.float32(0.0)
                for i in range(n_in):
                    s += w[o * n_in + i] * inp[i, r]
                out[o, r] = s
        return
    for o in range(n_out):
        dst = out[o]
        w0, a0 = w[o * n_in], inp[0]
        for r in range(b):  # the first input initialises, saving a pass of zeros
            dst[r] = w0 * a0[r]
        i = 1
        while i + 4 <= n_in:
            w0, w1, w2, w3 = w[o * n_in + i], w[o * n_in + i + 1], w[o * n_in + i + 2], w[o * n_in + i + 3]
            a0, a1, a2, a3 = inp[i], inp[i + 1], inp[i + 2], inp[i + 3]
            for r in range(b):
                dst[r] += w0 * a0[r] + w1 * a1[r] + w2 * a2[r] + w3 * a3[r]
            i += 4
        while i < n_in:
            w0, a0 = w[o * n_in + i], inp[i]
            for r in range(b):
                dst[r] += w0 * a0[r]
            i += 1


@numba.njit(cache=True, fastmath=_FASTMATH)
def _dense_t(w, n_out, n_in, dlt, prev, b):
    """prev[i, :b] = sum_o w[o, i] * dlt[o, :b]: the gradient w.r.t. a layer's input."""
    if b < _VECTOR_BATCH:
        for r in range(b):
            for i in range(n_in):
                s = np.float32(0.0)
                for o in range(n_out):
                    s += w[o * n_in + i] * dlt[o, r]
                prev[i, r] = s
        return
    for i in range(n_in):
        dst = prev[i]
        w0, d0 = w[i], dlt[0]
        for r in range(b):
            dst[r] = w0 * d0[r]
        o = 1
        while o + 4 <= n_out:
            w0, w1, w2, w3 = (
                w[o * n_in + i],
                w[(o + 1) * n_in + i],
                w[(o + 2) * n_in + i],
                w[(o + 3) * n_in + i],
            )
            d0, d1, d2, d3 = dlt[o], dlt[o + 1], dlt[o + 2], dlt[o + 3]
            for r in range(b):
                dst[r] += w0 * d0[r] + w1 * d1[r] + w2 * d2[r] + w3 * d3[r]
            o += 4
        while o < n_out:
            wo, do = w[o * n_in + i], dlt[o]
            for r in range(b):
                dst[r] += wo * do[r]
            o += 1


@numba.njit(cache=True, fastmath=_FASTMATH)
def _outer(g, n_out, n_in, dlt, inp, b):
    """g[o, i] = sum_r dlt[o, r] * inp[i, r]: a layer's weight gradient."""
    for i in range(n_in):
        a = inp[i]
        o = 0
        while o + 4 <= n_out:
            d0, d1, d2, d3 = dlt[o], dlt[o + 1], dlt[o + 2], dlt[o + 3]
            s0 = s1 = s2 = s3 = np.float32(0.0)
            for r in range(b):
                s0 += d0[r] * a[r]
                s1 += d1[r] * a[r]
                s2 += d2[r] * a[r]
                s3 += d3[r] * a[r]
            g[o * n_in + i], g[(o + 1) * n_in + i], g[(o + 2) * n_in + i], g[(o + 3) * n_in + i] = (
                s0,
                s1,
                s2,
                s3,
            )
            o += 4
        while o < n_out:
            do = dlt[o]
            s = np.float32(0.0)
            for r in range(b):
                s += do[r] * a[r]
            g[o * n_in + i] = s
            o += 1


@numba.njit(cache=True, fastmath=_FASTMATH)
def _sgd_chunk(x, y, indices, offsets, params, shapes, poff, relu, lr, wd, clip, acts, deltas, grads):
    """Run ``len(offsets) - 1`` SGD updates in place on the flat ``params``.

    x (n, d), y (n, k) float32; batch j is rows ``indices[offsets[j]:offsets[j+1]]``;
    layer l's (out, in) weights are ``params[poff[l]:poff[l+1]]`` with
    ``shapes[l] = (out, in)``; ``acts``/``deltas`` are (layers + 1, width, bmax)
    scratch, ``grads`` is like ``params``. lr, wd, clip are float32 (clip <= 0: off).
    Returns the last batch's loss, before its update.
    """
    n_layers = shapes.shape[0]
    k_out = shapes[n_layers - 1, 0]
    one, zero = np.float32(1.0), np.float32(0.0)
    eps = np.float32(1e-6)
    loss = 0.0
    for j in range(offsets.shape[0] - 1):
        start = offsets[j]
        b = offsets[j + 1] - start
        # gather the batch, feature-major: acts[0, feature, sample]
        for r in range(b):
            row = indices[start + r]
            for f in range(x.shape[1]):
                acts[0, f, r] = x[row, f]
        # forward, ReLU on hidden layers only
        for layer in range(n_layers):
            n_out, n_in = shapes[layer, 0], shapes[layer, 1]
            _dense(params[poff[layer] : poff[layer + 1]], n_out, n_in, acts[layer], acts[layer + 1], b)
            if relu and layer < n_layers - 1:
                for o in range(n_out):
                    for r in range(b):
                        acts[layer + 1, o, r] = max(acts[layer + 1, o, r], zero)
        # MSE and its gradient 2 (f - y) / N, N = b * outputs, as torch's mse_loss
        scale = np.float32(2.0 / (b * k_out))
        sq = 0.0
        for o in range(k_out):
            for r in range(b):
                diff = acts[n_layers, o, r] - y[indices[start + r], o]
                sq += float(diff) * float(diff)
                deltas[n_layers, o, r] = diff * scale
        loss = sq / (b * k_out)
        # backward: the weight gradient of layer l, then the gradient of its input
        for layer in range(n_layers - 1, -1, -1):
            n_out, n_in = shapes[layer, 0], shapes[layer, 1]
            _outer(grads[poff[layer] : poff[layer + 1]], n_out, n_in, deltas[layer + 1], acts[layer], b)
            if layer > 0:
                _dense_t(
                    params[poff[layer] : poff[layer + 1]], n_out, n_in, deltas[layer + 1], deltas[layer], b
                )
                if relu:  # ReLU passes the gradient where its output is > 0
                    for i in range(n_in):
                        for r in range(b):
                            if not acts[layer, i, r] > zero:
                                deltas[layer, i, r] = zero
        # clip as clip_grad_norm_: per-layer norms, their norm, coef clamped to 1
        coef = one
        if clip > zero:
            total = 0.0
            for layer in range(n_layers):
                sq = 0.0
                for p in range(poff[layer], poff[layer + 1]):
                    sq += float(grads[p]) * float(grads[p])
                norm = np.float32(np.sqrt(sq))
                total += float(norm) * float(norm)
            coef = min(clip / (np.float32(np.sqrt(total)) + eps), one)
        for p in range(params.shape[0]):
            gp = grads[p] * coef
            if wd != zero:
                gp = gp + wd * params[p]
            params[p] = params[p] - lr * gp
    return loss


def _forward(xt: np.ndarray, weights: list[np.ndarray], relu: bool, out: list[np.ndarray] | None = None):
    """Activations ``[x, h1, ..., f(x)]`` of the MLP, feature-major: ``xt`` is (d, n)
    and each entry (units, n), which is what makes BLAS fast for these thin layers.
    ``out``: preallocated buffers for h1..f(x) (GD reuses them every step)."""
    hs = [xt]
    for i, w in enumerate(weights):
        h = np.matmul(w, hs[-1], out=None if out is None else out[i])
        if relu and i < len(weights) - 1:
            np.maximum(h, 0, out=h)
        hs.append(h)
    return hs


class NumbaEngine:
    """Trains a bias-free MLP held as one flat float32 buffer of (out, in) matrices."""

    name = "numba"

    def __init__(
        self,
        data: Dataset,
        weights: list[np.ndarray],
        *,
        activation: str,
        loss: str,
        lr: float,
        weight_decay: float,
        clip: float | None,
        device: str = "auto",
        threads: int = 1,
    ) -> None:
        if loss != "mse" or activation not in ACTIVATIONS or device not in ("auto", "cpu"):
            raise ValueError(
                f"the numba engine runs MSE MLPs with {'/'.join(ACTIVATIONS)} on the CPU; got loss={loss!r}, "
                f"activation={activation!r}, device={device!r} (use engine: torch)"
            )
        self.threads = threads
        self.relu = activation == "relu"
        self.lr, self.wd = np.float32(lr), np.float32(weight_decay)
        self.clip = np.float32(clip if clip else 0.0)
        self.x = np.ascontiguousarray(data.x, dtype=np.float32)
        self.y = np.ascontiguousarray(data.y, dtype=np.float32)
        self.x_test = None if data.x_test is None else np.ascontiguousarray(data.x_test, dtype=np.float32)
        self.y_test = None if data.y_test is None else np.ascontiguousarray(data.y_test, dtype=np.float32)
        self.shapes = np.array([w.shape for w in weights], dtype=np.int64)
        self.poff = np.concatenate([[0], np.cumsum([w.size for w in weights])]).astype(np.int64)
        self.params = np.concatenate([np.asarray(w, dtype=np.float32).ravel() for w in weights])
        self.grads = np.zeros_like(self.params)
        self._width = int(max(self.x.shape[1], self.shapes[:, 0].max()))
        self._scratch = (np.zeros((0, 0, 0), np.float32),) * 2  # (acts, deltas), grown on demand
        self._blas_limited = False
        self._gd = None  # GD's transposed data and buffers, made on first use

    # -- weights -----------------------------------------------------------------
    def _views(self) -> list[np.ndarray]:
        """Views (no copies) of each layer's (out, in) matrix in the flat buffer."""
        return [self.params[a:b].reshape(s) for a, b, s in zip(self.poff[:-1], self.poff[1:], self.shapes)]

    def weights(self) -> list[np.ndarray]:
        return [w.copy() for w in self._views()]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        for view, w in zip(self._views(), weights):
            view[...] = w

    # -- training ----------------------------------------------------------------
    def step_batches(self, indices: np.ndarray, offsets: np.ndarray) -> float:
        """One update per batch ``indices[offsets[j]:offsets[j+1]]``; returns the last
        batch's loss (before its update)."""
        bmax = int(np.diff(offsets).max())
        if self._scratch[0].shape[2] < bmax:
            shape = (len(self.shapes) + 1, self._width, bmax)
            self._scratch = (np.zeros(shape, np.float32), np.zeros(shape, np.float32))
        acts, deltas = self._scratch
        return float(
            _sgd_chunk(
                self.x,
                self.y,
                np.ascontiguousarray(indices, dtype=np.int64),
                np.ascontiguousarray(offsets, dtype=np.int64),
                self.params,
                self.shapes,
                self.poff,
                self.relu,
                self.lr,
                self.wd,
                self.clip,
                acts,
                deltas,
                self.grads,
            )
        )

    def step_full(self, k: int) -> float:
        """``k`` full-batch (GD) updates with BLAS matmuls; returns the loss before the last."""
        self._limit_blas_threads()
        if self._gd is None:  # transposed data and reused buffers: no allocation per step
            n = self.x.shape[0]
            self._gd = (
                np.ascontiguousarray(self.x.T),
                np.ascontiguousarray(self.y.T),
                [np.empty((s[0], n), np.float32) for s in self.shapes],
                [np.empty((s[0], n), np.float32) for s in self.shapes],
            )
        xt, yt, hbuf, dbuf = self._gd
        ws = self._views()
        grads = [np.empty_like(w) for w in ws]
        scale = np.float32(2.0 / self.y.size)  # MSE gradient 2 (f - y) / N, as torch's
        one, eps = np.float32(1.0), np.float32(1e-6)
        loss = float("nan")
        for _ in range(k):
            hs = _forward(xt, ws, self.relu, hbuf)
            delta = np.subtract(hs[-1], yt, out=dbuf[-1])
            loss = float(np.dot(delta.ravel(), delta.ravel())) / self.y.size
            delta *= scale
            for i in range(len(ws) - 1, -1, -1):
                np.matmul(delta, hs[i].T, out=grads[i])
                if i > 0:
                    delta = np.matmul(ws[i].T, delta, out=dbuf[i - 1])
                    if self.relu:  # ReLU passes the gradient where its output is > 0
                        delta *= hs[i] > 0
            coef = one
            if self.clip:  # as clip_grad_norm_: per-layer norms, their norm, clamped to 1
                norms = [np.float32(np.linalg.norm(g.astype(np.float64))) for g in grads]
                total = np.float32(np.sqrt(sum(float(v) * float(v) for v in norms)))
                coef = min(self.clip / (total + eps), one)
            for w, g in zip(ws, grads):
                g *= coef
                if self.wd:
                    g += self.wd * w
                w -= self.lr * g
        return loss

    def _limit_blas_threads(self) -> None:
        """Hold BLAS to ``threads`` (measured: more never helps these sizes)."""
        if self.threads > 0 and not self._blas_limited:
            from threadpoolctl import threadpool_limits

            threadpool_limits(self.threads, user_api="blas")
            self._blas_limited = True

    # -- metrics -----------------------------------------------------------------
    def evaluate(self) -> dict[str, float]:
        """Full training loss (and test loss, accuracies where they exist), with the
        same keys as the torch engine."""
        ws = self._views()
        out = _forward(self.x.T, ws, self.relu)[-1].T
        metrics = {"full_loss": _mse(out, self.y)}
        out_test = None
        if self.x_test is not None:
            out_test = _forward(self.x_test.T, ws, self.relu)[-1].T
            metrics["test_loss"] = _mse(out_test, self.y_test)
        if self.y.shape[1] > 1:  # one-hot targets: a classifier trained with MSE
            metrics["train_accuracy"] = _accuracy(out, self.y)
            if out_test is not None:
                metrics["test_accuracy"] = _accuracy(out_test, self.y_test)
        return metrics

    def describe(self) -> dict[str, str]:
        return {"engine": self.name, "device": "cpu", "numba": numba.__version__}


def _mse(out: np.ndarray, y: np.ndarray) -> float:
    diff = (out - y).astype(np.float64)
    return float(np.float32(np.mean(diff * diff)))


def _accuracy(out: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(out.argmax(axis=1) == y.argmax(axis=1)))


def tiny_problem() -> tuple[Dataset, list[np.ndarray]]:
    """8 rows of 3 inputs and a 3 -> 4 -> 1 MLP: what compiling the kernels runs on."""
    rng = np.random.default_rng(0)
    data = Dataset(
        x=rng.standard_normal((8, 3), dtype=np.float32),
        y=rng.standard_normal((8, 1), dtype=np.float32),
        support=np.ones(3, bool),
    )
    return data, [rng.standard_normal(s).astype(np.float32) for s in ((4, 3), (1, 4))]


def compile_kernels() -> dict:
    """Compile (or load from the cache) every kernel on a tiny problem; returns
    numba's cache statistics, so a caller can tell a compile from a cache hit."""
    data, weights = tiny_problem()
    engine = NumbaEngine(data, weights, activation="relu", loss="mse", lr=0.1, weight_decay=0.0, clip=1.0)
    engine.step_batches(np.arange(8), np.array([0, 4, 8]))
    stats = _sgd_chunk.stats
    return {
        "cache_hits": sum(stats.cache_hits.values()),
        "cache_misses": sum(stats.cache_misses.values()),
        "cache_path": _sgd_chunk._cache._cache_path,
    }

"""K runs of one data set and architecture stepping in lockstep (torch, any device).

Member k's weights are slice k of stacked ``(K, out, in)`` tensors; a step gathers
each member's own batch rows into ``(K, b, in)`` and runs batched matrix products,
so K small MLPs cost one set of kernels (one CUDA graph replay per step on a GPU).
Each member keeps the single-run torch engine's semantics (``torch_engine.py``):
its own loss, gradient, global-norm clip, weight decay and lr. Members are
independent: the summed loss's gradient with respect to slice k is member k's own.
A frozen member (diverged, or past its last step) keeps its weights bit for bit.

All members of an ensemble take batches of the same size at every step (the same
batch size on the same data set: the epochs' last partial batches line up too), so
runs of different batch sizes go to different ensembles (``group.py``).
"""

from __future__ import annotations

import logging

import numpy as np
import torch
import torch.nn.functional as F

from sgd_support.core.data.store import Dataset
from sgd_support.core.engines.torch_engine import pick_device

log = logging.getLogger(__name__)

# Members evaluated together on the full data set at most this many activations at a
# time (K x n x width floats): bounds evaluation memory at ~256 MB for any K.
EVAL_ELEMENTS = 1 << 26


class EnsembleEngine:
    """Trains K bias-free MLPs, member k starting from ``weights[k]`` (a list of
    (out, in) arrays), with per-member ``lr``, ``weight_decay`` and ``clip`` (None:
    off) sequences of length K."""

    name = "ensemble"

    def __init__(
        self,
        data: Dataset,
        weights: list[list[np.ndarray]],
        *,
        activation: str,
        loss: str,
        lr,
        weight_decay,
        clip,
        device: str = "auto",
        threads: int = 1,
        cuda_graphs: bool = True,
    ) -> None:
        if threads > 0:
            torch.set_num_threads(threads)
        self.device = pick_device(device)
        self.k = len(weights)
        self.activation, self.loss_name = activation, loss
        self.x = torch.as_tensor(data.x, device=self.device)
        self.y = self._targets(data.y, data.labels)
        self.x_test = None if data.x_test is None else torch.as_tensor(data.x_test, device=self.device)
        self.y_test = None if data.x_test is None else self._targets(data.y_test, data.labels_test)
        stacked = [np.stack(layer) for layer in zip(*weights)]
        self.params = [torch.tensor(w, device=self.device, requires_grad=True) for w in stacked]
        self.lr = self._per_member(lr)
        self.weight_decay = self._per_member(weight_decay)
        # no clip = an infinite bound: the coefficient min(1, inf) is exactly 1
        self.clip = self._per_member([float("inf") if c is None else c for c in clip])
        self.active = torch.ones(self.k, 1, 1, dtype=torch.bool, device=self.device)
        self.graphed = cuda_graphs and self.device.type == "cuda"
        self._captured: dict = {}  # batch size (None: full batch) -> CapturedUpdate

    def _per_member(self, values) -> torch.Tensor:
        values = np.broadcast_to(np.asarray(values, dtype=np.float32), (self.k,))
        return torch.tensor(values, device=self.device).view(self.k, 1, 1)

    def _targets(self, y: np.ndarray, labels: np.ndarray | None) -> torch.Tensor:
        if self.loss_name == "cross_entropy":
            return torch.as_tensor(labels, dtype=torch.int64, device=self.device)
        return torch.as_tensor(y, device=self.device)

    def forward(self, x: torch.Tensor, members=slice(None)) -> torch.Tensor:
        """Outputs (K, rows, out): x is (K, rows, in) per member or (rows, in) shared."""
        h = x
        for i, w in enumerate(self.params):
            w = w[members]
            if h.ndim == 2:  # shared rows: one wide matmul instead of K copies of x
                h = (h @ w.reshape(-1, w.shape[2]).T).view(h.shape[0], w.shape[0], w.shape[1]).transpose(0, 1)
            else:
                h = torch.bmm(h, w.transpose(1, 2))
            if self.activation == "relu" and i < len(self.params) - 1:
                h = torch.relu(h)
        return h

    def _losses(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Per-member mean loss (K,); target (K, rows[, out]) or shared (rows[, out])."""
        if self.loss_name == "cross_entropy":
            target = target.expand(out.shape[:2])
            flat = F.cross_entropy(out.reshape(-1, out.shape[2]), target.reshape(-1), reduction="none")
            return flat.view(out.shape[:2]).mean(dim=1)
        return (out - target).square().mean(dim=(1, 2))

    def batch(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Each member's batch rows: index (K, b) -> x (K, b, in), targets (K, b, ...)."""
        return self.x[index], self.y[index]

    def _update(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        losses = self._losses(self.forward(xb), yb)
        grads = torch.autograd.grad(losses.sum(), self.params)
        norms = torch.stack([torch.linalg.vector_norm(g, dim=(1, 2)) for g in grads], dim=1)
        total = torch.linalg.vector_norm(norms, dim=1).view(self.k, 1, 1)
        coef = torch.clamp(self.clip / (total + 1e-6), max=1.0)
        with torch.no_grad():
            for p, g in zip(self.params, grads):
                g = g * coef + self.weight_decay * p
                p.copy_(torch.where(self.active, p - self.lr * g, p))
        return losses.detach()

    def _capture(self, size: int | None):
        """The captured update for batches of ``size`` rows (None: full batch), or None
        once capture has failed (as the single-run engine: eager from then on)."""
        if self.graphed and size not in self._captured:
            from sgd_support.core.engines.cuda_graphs import CapturedUpdate

            try:
                self._captured[size] = CapturedUpdate(self, None if size is None else (self.k, size))
            except RuntimeError as err:
                log.warning("CUDA graph capture failed, this ensemble continues with eager updates: %s", err)
                self.graphed = False
        return self._captured.get(size) if self.graphed else None

    def step_full(self, k: int) -> np.ndarray:
        """``k`` full-batch updates; returns each member's loss before the last one (K,)."""
        loss = None
        for _ in range(k):
            captured = self._capture(None)
            loss = captured.replay() if captured else self._update(self.x, self.y)
        return loss.cpu().numpy().astype(np.float64)

    def step_batches(self, indices: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """One update per batch: member m's batch j is ``indices[m, offsets[j]:offsets[j+1]]``
        (indices (K, total), offsets shared by all members); returns the last batch's
        losses (K,)."""
        idx = torch.as_tensor(indices, device=self.device)
        loss = None
        for j in range(len(offsets) - 1):
            batch = idx[:, offsets[j] : offsets[j + 1]]
            captured = self._capture(batch.shape[1])
            loss = captured.replay(batch) if captured else self._update(*self.batch(batch))
        return loss.cpu().numpy().astype(np.float64)

    def freeze(self, member: int) -> None:
        """Stop updating ``member`` (diverged, or done): its weights stay as they are."""
        self.active[member] = False

    def _chunks(self, rows: int):
        width = max(max(p.shape[1] for p in self.params), 1)
        size = max(1, EVAL_ELEMENTS // (rows * width))
        return [slice(s, min(s + size, self.k)) for s in range(0, self.k, size)]

    @torch.no_grad()
    def _per_member_loss(self, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
        parts = [self._losses(self.forward(x, m), y) for m in self._chunks(len(x))]
        return torch.cat(parts).cpu().numpy().astype(np.float64)

    @torch.no_grad()
    def _accuracy(self, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
        truth = y if y.ndim == 1 else y.argmax(dim=1)
        parts = [
            (self.forward(x, m).argmax(dim=2) == truth).float().mean(dim=1) for m in self._chunks(len(x))
        ]
        return torch.cat(parts).cpu().numpy().astype(np.float64)

    def evaluate(self) -> list[dict[str, float]]:
        """Per member: full training loss (and accuracy, test loss/accuracy where they
        exist), the same keys as ``TorchEngine.evaluate``."""
        columns = {"full_loss": self._per_member_loss(self.x, self.y)}
        if self.x_test is not None:
            columns["test_loss"] = self._per_member_loss(self.x_test, self.y_test)
        if self.loss_name == "cross_entropy" or self.y.shape[1] > 1:
            columns["train_accuracy"] = self._accuracy(self.x, self.y)
            if self.x_test is not None:
                columns["test_accuracy"] = self._accuracy(self.x_test, self.y_test)
        return [{key: float(v[m]) for key, v in columns.items()} for m in range(self.k)]

    def weights(self) -> list[list[np.ndarray]]:
        """Per member, its layers as (out, in) arrays."""
        stacked = [p.detach().cpu().numpy() for p in self.params]
        return [[w[m].copy() for w in stacked] for m in range(self.k)]

    def set_weights(self, weights: list[list[np.ndarray]]) -> None:
        with torch.no_grad():
            for p, w in zip(self.params, zip(*weights)):
                p.copy_(torch.as_tensor(np.stack(w)))

    def describe(self) -> dict[str, str]:
        described = {"engine": self.name, "device": str(self.device), "torch": torch.__version__}
        if self.graphed:
            described["cuda_graphs"] = "yes"
        return described

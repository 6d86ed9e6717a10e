"""Reference training engine in PyTorch: autograd, device-agnostic.

Its semantics are the authors' loop, written without ``nn.Module``/``DataLoader``
overhead: loss (MSE ``mean((f(x) - y)^2)`` over all outputs, or cross-entropy),
the gradient's global 2-norm clipped exactly as ``clip_grad_norm_`` does, weight
decay added to the gradient after clipping (as ``torch.optim.SGD(weight_decay=)``
does), then ``w <- w - lr * g``. Other engines are tested against this one.
On CUDA each update is replayed from a captured graph (``cuda_graphs.py``): the
same kernels, without eager PyTorch's per-kernel launch overhead.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
import torch.nn.functional as F

from sgd_support.core.data.store import Dataset

log = logging.getLogger(__name__)


def pick_device(requested: str = "auto") -> torch.device:
    """CUDA when present (or requested), else CPU."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


class TorchEngine:
    """Trains a bias-free MLP (or diagonal network: ``masks``) held as a list of
    (out, in) weight tensors."""

    name = "torch"

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
        cuda_graphs: bool = True,
        masks: list[np.ndarray] | None = None,
    ) -> None:
        if threads > 0:
            torch.set_num_threads(threads)  # measured: >1 thread never helps these sizes
        self.device = pick_device(device)
        self.activation, self.loss_name = activation, loss
        self.lr, self.weight_decay, self.clip = lr, weight_decay, clip
        self.x = torch.as_tensor(data.x, device=self.device)
        self.y = self._targets(data.y, data.labels)
        self.x_test = None if data.x_test is None else torch.as_tensor(data.x_test, device=self.device)
        self.y_test = None if data.x_test is None else self._targets(data.y_test, data.labels_test)
        self.params = [torch.tensor(w, device=self.device, requires_grad=True) for w in weights]
        # a diagonal network's structural zeros (models.structural_masks): their gradient
        # is zeroed where it is formed, so they stay exactly 0 (weight decay adds lambda*0)
        self.masks = None if masks is None else [torch.as_tensor(m, device=self.device) for m in masks]
        self.graphed = cuda_graphs and self.device.type == "cuda"
        self._captured: dict[int | None, object] = {}  # batch size (None: full batch) -> CapturedUpdate

    def _targets(self, y: np.ndarray, labels: np.ndarray | None) -> torch.Tensor:
        if self.loss_name == "cross_entropy":
            return torch.as_tensor(labels, dtype=torch.int64, device=self.device)
        return torch.as_tensor(y, device=self.device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for i, w in enumerate(self.params):
            h = h @ w.T
            if self.activation == "relu" and i < len(self.params) - 1:
                h = torch.relu(h)
        return h

    def _loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.loss_name == "cross_entropy":
            return F.cross_entropy(out, target)
        return F.mse_loss(out, target)

    def batch(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The rows ``index`` names: inputs and targets."""
        return self.x.index_select(0, index), self.y.index_select(0, index)

    def _update(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        loss = self._loss(self.forward(xb), yb)
        grads = torch.autograd.grad(loss, self.params)
        if self.masks is not None:
            grads = [g * m for g, m in zip(grads, self.masks)]
        if self.clip:
            total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
            coef = torch.clamp(self.clip / (total + 1e-6), max=1.0)
            grads = [g * coef for g in grads]
        with torch.no_grad():
            for p, g in zip(self.params, grads):
                if self.weight_decay:
                    g = g.add(p, alpha=self.weight_decay)
                p.add_(g, alpha=-self.lr)
        return loss.detach()

    def _capture(self, size: int | None):
        """The captured update for batches of ``size`` rows (an epoch's last partial
        batch gets its own); None once capture has failed (the run goes on eagerly)."""
        if self.graphed and size not in self._captured:
            from sgd_support.core.engines.cuda_graphs import CapturedUpdate

            try:
                self._captured[size] = CapturedUpdate(self, size)
            except RuntimeError as err:  # a GPU, driver or op that cannot be captured
                log.warning("CUDA graph capture failed, this run continues with eager updates: %s", err)
                self.graphed = False
        return self._captured.get(size) if self.graphed else None

    def step_full(self, k: int) -> float:
        """``k`` full-batch (GD) updates; returns the loss before the last one."""
        loss = None
        for _ in range(k):
            captured = self._capture(None)
            loss = captured.replay() if captured else self._update(self.x, self.y)
        return float(loss)

    def step_batches(self, indices: np.ndarray, offsets: np.ndarray) -> float:
        """One update per batch ``indices[offsets[j]:offsets[j+1]]``; returns the last
        batch's loss (before its update)."""
        idx = torch.as_tensor(indices, device=self.device)
        loss = None
        for j in range(len(offsets) - 1):
            batch = idx[offsets[j] : offsets[j + 1]]
            captured = self._capture(len(batch))
            loss = captured.replay(batch) if captured else self._update(self.x[batch], self.y[batch])
        return float(loss)

    def step_arrays(self, x: np.ndarray, y: np.ndarray, offsets: np.ndarray) -> float:
        """One update per batch of given rows, ``x[offsets[j]:offsets[j+1]]`` with its
        targets ``y`` (online sampling: rows that are not the stored data's); returns
        the last batch's loss (before its update). Eager: a captured graph reads the
        stored rows."""
        xs, ys = torch.as_tensor(x, device=self.device), torch.as_tensor(y, device=self.device)
        loss = None
        for j in range(len(offsets) - 1):
            loss = self._update(xs[offsets[j] : offsets[j + 1]], ys[offsets[j] : offsets[j + 1]])
        return float(loss)

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """Full training loss (and accuracy, test loss/accuracy where they exist)."""
        metrics = {"full_loss": float(self._loss(self.forward(self.x), self.y))}
        if self.x_test is not None:
            metrics["test_loss"] = float(self._loss(self.forward(self.x_test), self.y_test))
        if self.loss_name == "cross_entropy" or self.y.shape[1] > 1:
            metrics.update(self._accuracies())
        return metrics

    @torch.no_grad()
    def _accuracies(self) -> dict[str, float]:
        def accuracy(x: torch.Tensor, y: torch.Tensor) -> float:
            truth = y if y.ndim == 1 else y.argmax(dim=1)
            return float((self.forward(x).argmax(dim=1) == truth).float().mean())

        out = {"train_accuracy": accuracy(self.x, self.y)}
        if self.x_test is not None:
            out["test_accuracy"] = accuracy(self.x_test, self.y_test)
        return out

    def weights(self) -> list[np.ndarray]:
        return [p.detach().cpu().numpy().copy() for p in self.params]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        with torch.no_grad():
            for p, w in zip(self.params, weights):
                p.copy_(torch.as_tensor(w))

    def describe(self) -> dict[str, str]:
        described = {"engine": self.name, "device": str(self.device), "torch": torch.__version__}
        if self.graphed:
            described["cuda_graphs"] = "yes"
        return described

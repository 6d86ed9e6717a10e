"""Reference training engine in PyTorch: autograd, device-agnostic.

Its semantics are the authors' loop, written without ``nn.Module``/``DataLoader``
overhead: loss (MSE ``mean((f(x) - y)^2)`` over all outputs, or cross-entropy),
the gradient's global 2-norm clipped exactly as ``clip_grad_norm_`` does, weight
decay added to the gradient after clipping (as ``torch.optim.SGD(weight_decay=)``
does), then ``w <- w - lr * g``. Other engines are tested against this one.
On CUDA each update is replayed from a captured graph (``cuda_graphs.py``): the
same kernels, without eager PyTorch's per-kernel launch overhead.

Beyond plain SGD (the optimizer's keys; only this engine implements them): fresh
Gaussian label noise on each batch, drawn from (noise seed, step) so that chunking
and resuming draw the same; momentum/Nesterov as ``torch.optim.SGD``; Adam (coupled
L2) and AdamW (decoupled weight decay) as ``torch.optim.Adam``/``AdamW``. Their state
(the update count, momentum buffers, Adam's moments) is ``optimizer_state()``, saved
in the run's checkpoints. Those updates run eagerly (no CUDA graph): they are small
runs, and a captured graph would freeze the step count that Adam and the noise read.
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
        label_noise: float = 0.0,
        momentum: float = 0.0,
        nesterov: bool = False,
        adam: dict | None = None,
        noise_seed: int = 0,
        masks: list[np.ndarray] | None = None,
    ) -> None:
        """Off by default (plain SGD, as the schema's defaults): label_noise (sigma),
        momentum/nesterov, adam ({betas, eps, decoupled}); noise_seed (the run's order
        seed) seeds the label noise."""
        if label_noise and loss == "cross_entropy":
            raise ValueError("label_noise needs the mse loss: cross-entropy's labels are classes")
        if threads > 0:
            torch.set_num_threads(threads)  # measured: >1 thread never helps these sizes
        self.device = pick_device(device)
        self.activation, self.loss_name = activation, loss
        self.lr, self.weight_decay, self.clip = lr, weight_decay, clip
        self.label_noise, self.noise_seed = label_noise, noise_seed
        self.momentum, self.nesterov, self.adam = momentum, nesterov, adam
        self.updates = 0  # updates done since step 0: the step the noise and Adam's bias correction read
        self.x = torch.as_tensor(data.x, device=self.device)
        self.y = self._targets(data.y, data.labels)
        self.x_test = None if data.x_test is None else torch.as_tensor(data.x_test, device=self.device)
        self.y_test = None if data.x_test is None else self._targets(data.y_test, data.labels_test)
        self.params = [torch.tensor(w, device=self.device, requires_grad=True) for w in weights]
        # a diagonal network's structural zeros (models.structural_masks): their gradient
        # is zeroed where it is formed, so they stay exactly 0 (weight decay adds lambda*0;
        # momentum and Adam's moments of a zero gradient stay 0)
        self.masks = None if masks is None else [torch.as_tensor(m, device=self.device) for m in masks]
        self.slots = self._slot_names()
        self.state = {name: [torch.zeros_like(p) for p in self.params] for name in self.slots}
        plain = not (label_noise or momentum or adam)
        self.graphed = cuda_graphs and self.device.type == "cuda" and plain
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

    def _slot_names(self) -> tuple[str, ...]:
        """The per-parameter state the update keeps: Adam's moments, the momentum buffer."""
        if self.adam is not None:
            return ("exp_avg", "exp_avg_sq")
        return ("momentum_buffer",) if self.momentum else ()

    def label_noise_at(self, step: int, shape: tuple[int, ...]) -> torch.Tensor:
        """The label noise of update ``step`` (1-based): N(0, sigma^2) of ``shape``, drawn
        on the CPU from (noise seed, step, 1) so that it is the same on every device, in
        any chunking and after a resume (the trailing 1 keeps it apart from the batch
        order's (seed, epoch) stream)."""
        rng = np.random.default_rng([self.noise_seed, step, 1])
        noise = rng.standard_normal(shape, dtype=np.float32) * np.float32(self.label_noise)
        return torch.from_numpy(noise).to(self.device)

    def _update(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        if self.label_noise:
            yb = yb + self.label_noise_at(self.updates + 1, tuple(yb.shape))
        loss = self._loss(self.forward(xb), yb)
        grads = torch.autograd.grad(loss, self.params)
        if self.masks is not None:
            grads = [g * m for g, m in zip(grads, self.masks)]
        if self.clip:
            total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
            coef = torch.clamp(self.clip / (total + 1e-6), max=1.0)
            grads = [g * coef for g in grads]
        with torch.no_grad():
            self._step(grads)
        return loss.detach()

    def _step(self, grads: list[torch.Tensor]) -> None:
        """Apply one update from the (clipped) gradients ``grads``: plain SGD, SGD with
        momentum or Adam(W), with torch.optim's arithmetic (including its order of
        operations, so that the reference loop's bits are reachable)."""
        if self.adam is not None:
            self._adam_step(grads)
            return
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if self.weight_decay:
                g = g.add(p, alpha=self.weight_decay)
            if self.momentum:  # buffers start at 0: the first step sets buf = g exactly, as torch does
                buf = self.state["momentum_buffer"][i]
                buf.mul_(self.momentum).add_(g)
                g = g.add(buf, alpha=self.momentum) if self.nesterov else buf
            p.add_(g, alpha=-self.lr)

    def _adam_step(self, grads: list[torch.Tensor]) -> None:
        """torch.optim.Adam (``decoupled`` false: L2 added to the gradient) or AdamW
        (true: w shrinks by lr * weight_decay * w first), bias-corrected at step t."""
        beta1, beta2 = self.adam["betas"]
        eps, decoupled = self.adam["eps"], self.adam["decoupled"]
        t = float(self.updates + 1)
        bias_correction1, bias_correction2 = 1 - beta1**t, 1 - beta2**t
        for p, g, m, v in zip(self.params, grads, self.state["exp_avg"], self.state["exp_avg_sq"]):
            if self.weight_decay and decoupled:
                p.mul_(1 - self.lr * self.weight_decay)
            elif self.weight_decay:
                g = g.add(p, alpha=self.weight_decay)
            m.lerp_(g, 1 - beta1)
            v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            denom = (v.sqrt() / bias_correction2**0.5).add_(eps)
            p.addcdiv_(m, denom, value=-self.lr / bias_correction1)

    def optimizer_state(self) -> dict[str, np.ndarray]:
        """The update's state as named arrays: ``updates`` (0-d) and, per slot and
        layer, ``<slot>.<layer>`` (momentum buffers, Adam's moments)."""
        state = {"updates": np.array(self.updates, dtype=np.int64)}
        for name, tensors in self.state.items():
            state.update({f"{name}.{i}": t.detach().cpu().numpy().copy() for i, t in enumerate(tensors)})
        return state

    def set_optimizer_state(self, state: dict[str, np.ndarray]) -> None:
        """Continue from an :meth:`optimizer_state`."""
        self.updates = int(state["updates"])
        with torch.no_grad():
            for name, tensors in self.state.items():
                for i, t in enumerate(tensors):
                    t.copy_(torch.as_tensor(state[f"{name}.{i}"]))

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
            self.updates += 1  # counted here, not in _update: a CUDA graph's capture runs it too
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
            self.updates += 1
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
            self.updates += 1
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

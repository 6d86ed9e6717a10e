"""A plain PyTorch training loop, written the way the authors' notebooks are
(nn.Module, torch.optim.SGD, clip_grad_norm_, MSELoss): the reference that our
engines are tested against, with torch.optim's SGD (momentum, Nesterov), Adam or AdamW
and label noise drawn as the optimizer key ``label_noise`` defines it."""

from __future__ import annotations

import numpy as np
import torch

from sgd_support.core.batches import BatchStream


class MLP(torch.nn.Module):
    def __init__(self, weights, activation):
        super().__init__()
        self.layers = torch.nn.ModuleList()
        for w in weights:
            layer = torch.nn.Linear(w.shape[1], w.shape[0], bias=False)
            with torch.no_grad():
                layer.weight.copy_(torch.as_tensor(w))
            self.layers.append(layer)
        self.activation = activation

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if self.activation == "relu" and i < len(self.layers) - 1:
                x = torch.relu(x)
        return x


def reference_run(
    x,
    y,
    init,
    *,
    lr,
    batch,
    steps,
    order_seed=0,
    weight_decay=0.0,
    clip=1.0,
    activation="identity",
    record=(),
    momentum=0.0,
    nesterov=False,
    adam=None,
    label_noise=0.0,
):
    """Train; return {step: (full-data loss, W1)} at ``record``.

    ``momentum``/``nesterov``: torch.optim.SGD's; ``adam`` ({betas, eps, decoupled}):
    torch.optim.AdamW (decoupled) or Adam instead of SGD. ``label_noise`` sigma: the
    batch labels of update s get sigma * N(0, 1) from numpy's
    ``default_rng([order_seed, s, 1])`` (float32), added to them (0: plain labels)."""
    torch.set_num_threads(1)
    model = MLP(init, activation)
    if adam is None:
        opt = torch.optim.SGD(
            model.parameters(), lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov
        )
    else:
        kind = torch.optim.AdamW if adam["decoupled"] else torch.optim.Adam
        opt = kind(
            model.parameters(), lr=lr, betas=tuple(adam["betas"]), eps=adam["eps"], weight_decay=weight_decay
        )
    loss_fn = torch.nn.MSELoss()
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    stream = None if batch is None else BatchStream(len(x), batch, order_seed)
    out = {}
    for step in range(1, steps + 1):
        if stream is None:
            xb, yb = xt, yt
        else:
            idx, _ = stream.take(1)
            xb, yb = xt[idx], yt[idx]
        if label_noise:
            noise = np.random.default_rng([order_seed, step, 1]).standard_normal(yb.shape, dtype=np.float32)
            yb = yb + torch.from_numpy(noise * np.float32(label_noise))
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        if step in record:
            with torch.no_grad():
                full = float(loss_fn(model(xt), yt))
            out[step] = (full, model.layers[0].weight.detach().numpy().copy())
    return out


def irrelevant_norm(w1: np.ndarray, support: np.ndarray) -> float:
    return float(np.linalg.norm(w1[:, ~support].astype(np.float64)))

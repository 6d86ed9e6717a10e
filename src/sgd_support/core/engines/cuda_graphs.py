"""One training update of the torch engine captured as a CUDA graph.

A step of the paper's MLPs is ~40 kernels of a few microseconds each. Eager
PyTorch pays its Python, autograd and launch overhead per kernel: ~1 ms per step
on an H200, slower than the CPU engines. A graph replay launches the whole
captured update (forward, backward, clipping, weight decay, update) at once.

The graph reads its batch through a fixed index buffer and writes the model's
parameters in place, so ``TorchEngine.set_weights`` and the trajectory code see
the same tensors as in eager mode; a replay runs the same kernels as the eager
update it recorded.
"""

from __future__ import annotations

import torch

WARMUP = 3  # eager runs on a side stream before capture, as torch.cuda.graphs requires


class CapturedUpdate:
    """``engine._update`` on ``size`` rows picked by index (``size=None``: the full
    data set; a tuple, e.g. (K, b) for an ensemble's per-member rows, is the index
    buffer's shape), recorded once and replayed per step."""

    def __init__(self, engine, size: int | None) -> None:
        self.engine = engine
        self.index = None if size is None else torch.zeros(size, dtype=torch.int64, device=engine.device)
        saved = [p.detach().clone() for p in engine.params]
        try:
            side = torch.cuda.Stream(engine.device)
            side.wait_stream(torch.cuda.current_stream(engine.device))
            with torch.cuda.stream(side):
                for _ in range(WARMUP):  # lets autograd and cuBLAS allocate their workspaces
                    self._update()
            torch.cuda.current_stream(engine.device).wait_stream(side)
            self.graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(self.graph):
                self.loss = self._update()
        finally:  # the warm-up updated the weights for real (and a failed capture may have): undo it
            with torch.no_grad():
                for p, s in zip(engine.params, saved):
                    p.copy_(s)

    def _update(self) -> torch.Tensor:
        engine = self.engine
        if self.index is None:
            return engine._update(engine.x, engine.y)
        return engine._update(*engine.batch(self.index))

    def replay(self, index: torch.Tensor | None = None) -> torch.Tensor:
        """One update (on the rows ``index`` names); returns the batch loss tensor
        (before the update), which the next replay overwrites."""
        if index is not None:
            self.index.copy_(index)
        self.graph.replay()
        return self.loss

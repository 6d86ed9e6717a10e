"""Mini-batch order: sampling without replacement, a fresh permutation per epoch.

Epoch ``e`` uses the permutation drawn by ``numpy.random.default_rng([seed, e])``,
so the stream's whole state is two integers (epoch, position) and a checkpointed
run resumes on exactly the batches an uninterrupted run would have seen. The last
partial batch of an epoch is kept (as ``DataLoader(drop_last=False)`` does). With
``shuffle=False`` every epoch walks the samples in their stored order (the toy
model's SGD "in order", as the authors ran it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class BatchStream:
    """Stream of mini-batch index arrays over ``n`` samples in batches of ``b``."""

    n: int
    b: int
    seed: int
    epoch: int = 0
    position: int = 0
    shuffle: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.b <= self.n:
            raise ValueError(f"batch size {self.b} must be in [1, {self.n}]")
        self._perm_epoch = -1
        self._perm = np.empty(0, dtype=np.int64)

    def permutation(self, epoch: int) -> np.ndarray:
        """The sample order of ``epoch`` (int64 array of length n)."""
        if epoch != self._perm_epoch:
            if self.shuffle:
                self._perm = np.random.default_rng([self.seed, epoch]).permutation(self.n)
            else:
                self._perm = np.arange(self.n, dtype=np.int64)
            self._perm_epoch = epoch
        return self._perm

    def take(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The next ``k`` batches as ``(indices, offsets)``.

        Batch ``j`` is ``indices[offsets[j]:offsets[j + 1]]``; ``offsets`` has
        length k + 1. This flat form is what compiled engines consume.
        """
        chunks, offsets, start = [], [0], 0
        while len(offsets) <= k:
            perm = self.permutation(self.epoch)
            wanted = k + 1 - len(offsets)
            ends = np.minimum(self.position + self.b * np.arange(1, wanted + 1), self.n)
            ends = ends[: int(np.searchsorted(ends, self.n)) + 1]  # stop at the epoch end
            chunks.append(perm[self.position : ends[-1]])
            offsets.extend((start + ends - self.position).tolist())
            start += ends[-1] - self.position
            self.position = int(ends[-1])
            if self.position == self.n:
                self.epoch, self.position = self.epoch + 1, 0
        return np.concatenate(chunks), np.asarray(offsets, dtype=np.int64)

    def state(self) -> dict:
        """Serialisable state: enough to resume the stream exactly."""
        return {"epoch": self.epoch, "position": self.position}

    def restore(self, state: dict) -> None:
        """Continue from a :meth:`state` (the permutation of an epoch is drawn from it)."""
        self.epoch, self.position = state["epoch"], state["position"]


def take_all(streams: list[BatchStream], k: int) -> tuple[np.ndarray, np.ndarray]:
    """The next ``k`` batches of every stream, for K runs stepping in lockstep: indices
    (K, total) and the offsets they share (streams of one batch size over one data
    set end their epochs' partial batches together, so their offsets are equal)."""
    if len(streams) == 1:
        indices, offsets = streams[0].take(k)
        return indices[None], offsets  # a view: one run's indices are not copied
    taken = [stream.take(k) for stream in streams]
    return np.stack([indices for indices, _ in taken]), taken[0][1]

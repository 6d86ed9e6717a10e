"""Mini-batch order, one stream per optimizer ``sampling`` (App. E's algorithms).

``without_replacement`` (:class:`BatchStream`): a fresh permutation per epoch. Epoch
``e`` uses the permutation drawn by ``numpy.random.default_rng([seed, e])``, so the
stream's whole state is two integers (epoch, position) and a checkpointed run resumes
on exactly the batches an uninterrupted run would have seen. The last partial batch of
an epoch is kept (as ``DataLoader(drop_last=False)`` does). With ``shuffle=False``
every epoch walks the samples in their stored order (the toy model's SGD "in order",
as the authors ran it).

``with_replacement`` (:class:`ReplacementStream`): every batch an independent uniform
draw of b distinct rows, batch ``t`` (0-based step) from
``default_rng([seed, t, WITH_REPLACEMENT])``; the whole state is the step. The tag keeps
these draws apart from the permutations of the same seed (``[seed, e]``) and from the
label noise (tag 1), so runs paired by order seed across samplings share no random numbers.

Streams hand out ``take(k) -> (indices, offsets)`` and ``state()``/``restore()``; the
training loop picks one per run with :func:`batch_stream`.
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


# Tags of the order seed's streams other than the permutations (see the module's doc);
# 1 is the torch engine's label noise (TorchEngine.label_noise_at): each stream its own.
WITH_REPLACEMENT = 2
ONLINE = 3


@dataclass
class ReplacementStream:
    """Batches of ``b`` distinct rows out of ``n``, each drawn independently (so a row
    can appear in consecutive batches); ``step`` batches have been taken."""

    n: int
    b: int
    seed: int
    step: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.b <= self.n:
            raise ValueError(f"batch size {self.b} must be in [1, {self.n}]")

    def batch(self, step: int) -> np.ndarray:
        """The rows of batch ``step`` (int64, length b, distinct)."""
        rng = np.random.default_rng([self.seed, step, WITH_REPLACEMENT])
        return rng.choice(self.n, size=self.b, replace=False)

    def take(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The next ``k`` batches as ``(indices, offsets)``, as :meth:`BatchStream.take`."""
        indices = np.concatenate([self.batch(t) for t in range(self.step, self.step + k)])
        self.step += k
        return indices.astype(np.int64), np.arange(k + 1, dtype=np.int64) * self.b

    def state(self) -> dict:
        return {"step": self.step}

    def restore(self, state: dict) -> None:
        self.step = state["step"]


def batch_stream(n: int, spec) -> BatchStream | ReplacementStream:
    """The batch stream of a mini-batch run with RunSpec ``spec`` on ``n`` rows, by its
    ``sampling`` (online runs draw their rows elsewhere: ``data.online``)."""
    if spec.sampling == "with_replacement":
        return ReplacementStream(n, spec.batch, spec.order_seed)
    if spec.sampling == "without_replacement":
        return BatchStream(n, spec.batch, spec.order_seed, shuffle=spec.shuffle)
    raise ValueError(f"sampling {spec.sampling!r} draws no batches of stored rows")


def take_all(streams: list, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The next ``k`` batches of every stream, for K runs stepping in lockstep: indices
    (K, total) and the offsets they share (streams of one batch size over one data
    set end their epochs' partial batches together, so their offsets are equal)."""
    if len(streams) == 1:
        indices, offsets = streams[0].take(k)
        return indices[None], offsets  # a view: one run's indices are not copied
    taken = [stream.take(k) for stream in streams]
    return np.stack([indices for indices, _ in taken]), taken[0][1]

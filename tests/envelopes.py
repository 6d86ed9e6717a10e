"""Rounding envelopes: how far float32 rounding alone moves a trajectory, measured on
the CPU that runs the tests, so that a tolerance between two engines is a stated
multiple of it rather than a number set on another machine.

The envelope of a run is the engine against its rounding twin: the same run started
one ulp away (every init weight moved to its float32 neighbour, up or down at random)
with its lr one float32 ulp up, a perturbation of the size of one rounding error at the
start and at every step. Two engines that differ only in summation order (a batched
matmul against a plain one, numba against torch) differ by rounding errors of that size
at every step, so they stay within a small multiple of the envelope where training is
stable; a wrong update (lr 1% off, a missing term) moves the trajectory orders of
magnitude further. The init alone is not enough where training contracts: measured
(AMD EPYC, ReLU SGD-32, 600 steps) the init's one ulp had decayed to 1/11 of what the
ensemble's per-step rounding moves the loss; lr's ulp, applied at every step, does not
decay.
"""

from __future__ import annotations

import dataclasses

import numpy as np

# The bar is this multiple of the envelope. Measured on an AMD EPYC (lscpu: "AMD EPYC"),
# every norm and loss at every recorded step: the ensemble engine against the single-run
# engine (tests/test_ensemble.py, 20 runs) sits at 0.03-3.9x the envelope, the numba
# engine against torch (tests/test_numba_engine.py) at 0.03-3.4x; an lr 1% off (ensemble,
# numba) moves the irrelevant norm 20x-3,000x the bar.
MULTIPLE = 10

NORMS = ("irrelevant_norm", "relevant_norm", "total_norm")
LOSSES = ("full_loss", "batch_loss")


def one_ulp_away(weights: list[np.ndarray], seed: int = 0) -> list[np.ndarray]:
    """Each weight moved to its next float32 value, up or down at random (seeded)."""
    rng = np.random.default_rng(seed)
    out = []
    for w in weights:
        w = np.asarray(w, dtype=np.float32)
        toward = np.where(rng.random(w.shape) < 0.5, -np.inf, np.inf).astype(np.float32)
        out.append(np.nextafter(w, toward))
    return out


def one_ulp_up(lr: float) -> float:
    """The next float32 above ``lr`` (the engines compute in float32)."""
    return float(np.nextafter(np.float32(lr), np.float32(np.inf)))


def rounding_twin(train, data, init: list[np.ndarray], spec, seed: int = 0):
    """``train(data, init, spec)`` started one ulp away, its lr one float32 ulp up."""
    return train(data, one_ulp_away(init, seed), dataclasses.replace(spec, lr=one_ulp_up(spec.lr)))


def _column(rows, key) -> np.ndarray:
    if hasattr(rows, "columns"):  # a trajectory DataFrame
        return rows[key].to_numpy(dtype=np.float64)
    return np.array([r[key] for r in rows], dtype=np.float64)


def relative_deviation(ours, theirs, keys=NORMS + LOSSES) -> dict[str, float]:
    """Per key, max |ours - theirs| / |theirs| over the recorded steps (rows as dicts
    or a trajectory DataFrame; NaN entries, e.g. the batch loss at step 0, skipped)."""
    out = {}
    for key in keys:
        a, b = _column(ours, key), _column(theirs, key)
        assert a.shape == b.shape, key
        both = ~(np.isnan(a) | np.isnan(b))
        out[key] = float(np.max(np.abs(a[both] - b[both]) / np.abs(b[both]), initial=0.0))
    return out


def weight_deviation(ours: list[np.ndarray], theirs: list[np.ndarray]) -> float:
    """Max over the layers of max |ours - theirs| / max |theirs|: each layer's error on the
    scale of its own weights (relative per entry would blow up at weights near 0)."""
    return max(float(np.max(np.abs(a - b)) / np.max(np.abs(b))) for a, b in zip(ours, theirs))


# A relative deviation below one float32 ulp (6e-8 at 1.0) counts as one ulp: a quantity
# rounding happened not to move must not demand identical bits from another engine.
FLOOR = 1e-7


def bars(envelope: dict[str, float]) -> dict[str, float]:
    """MULTIPLE x the envelope per key, at least MULTIPLE x FLOOR."""
    return {key: MULTIPLE * max(value, FLOOR) for key, value in envelope.items()}


def assert_within(ours, theirs, bar: dict[str, float], what: str = "") -> None:
    """Every key of ``bar`` at every recorded step within its relative bar."""
    deviation = relative_deviation(ours, theirs, tuple(bar))
    over = {k: (f"{deviation[k]:.2e}", f"bar {bar[k]:.2e}") for k in bar if deviation[k] > bar[k]}
    assert not over, f"{what} beyond {MULTIPLE}x the rounding envelope: {over}"


def assert_rows_like_twin(ours, theirs, twin, what: str = "") -> None:
    """``ours`` against ``theirs``: every norm and loss at every recorded step within
    MULTIPLE x the envelope, ``twin`` (theirs' rounding twin) against ``theirs``."""
    assert_within(ours, theirs, bars(relative_deviation(twin, theirs)), what)


def assert_weights_like_twin(ours, theirs, twin, what: str = "") -> None:
    """The same for one snapshot's weights (lists of layers), by ``weight_deviation``."""
    bar = MULTIPLE * max(weight_deviation(twin, theirs), FLOOR)
    deviation = weight_deviation(ours, theirs)
    assert deviation <= bar, f"{what} weights {deviation:.2e} beyond {MULTIPLE}x the envelope: {bar:.2e}"

"""Log-log lines and power-law exponents with seed-bootstrap intervals (for E10).

Runs that share an init seed and a batch-order seed are not independent points, so
every interval here comes from resampling seed labels (:func:`seed_interval`), each
label bringing all its points, and refitting.
"""

from __future__ import annotations

import numpy as np

LEVEL = 0.95  # confidence level of the slope's interval
# Resamples of the seed bootstrap. On the default run (3-4 seed pairs per series) the
# interval's ends were the same to 4 decimals for bootstrap seeds 0-4. The bootstrap's
# own generator is seeded, so reruns agree.
N_RESAMPLES = 2000
BOOTSTRAP_SEED = 0


def seed_interval(statistic, seeds, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Seed-bootstrap ``level`` interval (percentile) of ``statistic(indices) -> array``.

    seeds: one hashable label per point (its (init, order) seed pair); the distinct
    labels are resampled with replacement and ``statistic`` gets the indices of every
    point of the drawn labels (repeats included). Resamples where it is NaN (e.g. one
    lr/b value left) are dropped. NaN without >= 2 distinct labels.
    """
    labels = list(seeds)
    distinct = sorted(set(labels), key=str)
    groups = [np.flatnonzero([lab == d for lab in labels]) for d in distinct]
    point = np.atleast_1d(np.asarray(statistic(np.arange(len(labels))), dtype=np.float64))
    if len(distinct) < 2:
        return np.full_like(point, np.nan), np.full_like(point, np.nan)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    draws = rng.integers(len(distinct), size=(N_RESAMPLES, len(distinct)))
    values = np.array([np.atleast_1d(statistic(np.concatenate([groups[i] for i in d]))) for d in draws])
    with np.errstate(all="ignore"):
        low, high = np.nanquantile(values, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return low, high


def _line(lx: np.ndarray, ly: np.ndarray) -> tuple[float, float, float]:
    """(slope, intercept, R^2) of least squares ly = intercept + slope * lx; NaN
    with fewer than 3 points or no spread in lx."""
    if len(lx) < 3 or np.ptp(lx) == 0:
        return np.nan, np.nan, np.nan
    slope, intercept = np.polyfit(lx, ly, 1)
    total = np.sum((ly - ly.mean()) ** 2)
    r2 = 1.0 - np.sum((ly - slope * lx - intercept) ** 2) / total if total > 0 else np.nan
    return float(slope), float(intercept), float(r2)


def loglog_slope(x: np.ndarray, y: np.ndarray, seeds=None, level: float = LEVEL) -> dict:
    """Least-squares line log10(y) = intercept + slope * log10(x), with the slope's
    ``level`` interval from :func:`seed_interval` over ``seeds`` (one label per point;
    default: every point its own, i.e. a plain bootstrap of the points)."""
    lx, ly = np.log10(np.asarray(x, dtype=np.float64)), np.log10(np.asarray(y, dtype=np.float64))
    slope, intercept, r2 = _line(lx, ly)
    seeds = list(range(len(lx))) if seeds is None else list(seeds)
    low, high = (np.nan, np.nan)
    if np.isfinite(slope):
        (low,), (high,) = seed_interval(lambda i: _line(lx[i], ly[i])[0], seeds, level)
    return {
        "slope": slope,
        "intercept": intercept,
        "ci_low": float(low),
        "ci_high": float(high),
        "n": len(lx),
        "n_seeds": len(set(seeds)),
        "r2": r2,
    }


def _exponents(lr: np.ndarray, b: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """(alpha, beta) of least squares log rate = c + alpha log lr - beta log b (logs given)."""
    if len(rate) < 4 or len(np.unique(lr)) < 2 or len(np.unique(b)) < 2:
        return np.array([np.nan, np.nan])
    X = np.column_stack([np.ones(len(rate)), lr, -b])
    coef, _, _, _ = np.linalg.lstsq(X, rate, rcond=None)
    return coef[1:]


def exponent_fit(lr: np.ndarray, b: np.ndarray, rate: np.ndarray, seeds=None, level: float = LEVEL) -> dict:
    """Fit log rate = c + alpha*log lr - beta*log b (per-step rate); Theorem 1's
    second-order term has alpha = 2, beta = 1. Returns alpha, beta and their
    seed-bootstrap ``level`` intervals (NaN without >= 2 distinct lrs and batch sizes)."""
    lr, b, rate = (np.log(np.asarray(a, dtype=np.float64)) for a in (lr, b, rate))
    seeds = list(range(len(rate))) if seeds is None else list(seeds)
    alpha, beta = _exponents(lr, b, rate)
    low, high = np.full(2, np.nan), np.full(2, np.nan)
    if np.isfinite(alpha):
        low, high = seed_interval(lambda i: _exponents(lr[i], b[i], rate[i]), seeds, level)
    return {
        "alpha": alpha,
        "alpha_low": low[0],
        "alpha_high": high[0],
        "beta": beta,
        "beta_low": low[1],
        "beta_high": high[1],
        "n": len(rate),
    }

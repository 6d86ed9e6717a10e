"""Log-log lines and power-law exponents with bootstrap intervals (for E10): the one
exponent fit (:func:`exponent_fit`) of both E10 analyses, over runs (decay_rate) and
per step (theorem1).

Runs that share an init seed and a batch-order seed are not independent points, so
every interval over runs comes from resampling seed labels (:func:`seed_interval`),
each label bringing all its points, and refitting; Theorem 1's per-step fit resamples
its batch-order pairs instead.
"""

from __future__ import annotations

import numpy as np

LEVEL = 0.95  # confidence level of the slope's interval
# Resamples of the seed bootstrap (over runs). On the default run (3-4 seed pairs per series) the
# interval's ends were the same to 4 decimals for bootstrap seeds 0-4. The bootstrap's
# own generator is seeded, so reruns agree.
N_RESAMPLES = 2000
BOOTSTRAP_SEED = 0
MIN_RUNS = 4  # runs for an exponent fit over runs: one more than its 3 coefficients


def seed_units(seeds) -> list[np.ndarray]:
    """The bootstrap's units of points labelled ``seeds`` (one hashable label per point,
    its (init, order) seed pair): per distinct label (sorted as text), its points' indices."""
    labels = list(seeds)
    return [np.flatnonzero([lab == d for lab in labels]) for d in sorted(set(labels), key=str)]


def bootstrap_interval(
    statistic,
    units: list[np.ndarray],
    level: float = LEVEL,
    resamples: int = N_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile ``level`` interval of ``statistic(indices) -> array`` over ``resamples``
    draws of ``len(units)`` units with replacement, each draw handing ``statistic`` the
    indices of its units concatenated (repeats included). Draws where a value is NaN
    (e.g. one lr/b value left) are dropped from that value's interval."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(len(units), size=(resamples, len(units)))
    values = np.array([np.atleast_1d(statistic(np.concatenate([units[i] for i in d]))) for d in draws])
    with np.errstate(all="ignore"):
        low, high = np.nanquantile(values, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return low, high


def seed_interval(statistic, seeds, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Seed-bootstrap ``level`` interval (percentile) of ``statistic(indices) -> array``:
    :func:`bootstrap_interval` over the distinct labels of ``seeds`` (:func:`seed_units`),
    each label bringing every point it labels. NaN without >= 2 distinct labels."""
    units = seed_units(seeds)
    point = np.atleast_1d(np.asarray(statistic(np.arange(len(list(seeds)))), dtype=np.float64))
    if len(units) < 2:
        return np.full_like(point, np.nan), np.full_like(point, np.nan)
    return bootstrap_interval(statistic, units, level)


def line_fit(lx: np.ndarray, ly: np.ndarray) -> tuple[float, float, float]:
    """(slope, intercept, R^2) of least squares ly = intercept + slope * lx; NaN
    with fewer than 3 points or no spread in lx. (Also E13's exponential and power-law
    fits of a norm's decay.)"""
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
    slope, intercept, r2 = line_fit(lx, ly)
    seeds = list(range(len(lx))) if seeds is None else list(seeds)
    low, high = (np.nan, np.nan)
    if np.isfinite(slope):
        (low,), (high,) = seed_interval(lambda i: line_fit(lx[i], ly[i])[0], seeds, level)
    return {
        "slope": slope,
        "intercept": intercept,
        "ci_low": float(low),
        "ci_high": float(high),
        "n": len(lx),
        "n_seeds": len(set(seeds)),
        "r2": r2,
    }


def _exponents(lr: np.ndarray, b: np.ndarray, rate: np.ndarray, min_points: int) -> np.ndarray:
    """(alpha, beta) of least squares log rate = c + alpha log lr - beta log b over the
    points with a finite positive rate; NaN with fewer than ``min_points`` of them or
    fewer than 2 distinct lrs or batch sizes."""
    ok = np.isfinite(rate) & (rate > 0)
    if ok.sum() < min_points or len(np.unique(lr[ok])) < 2 or len(np.unique(b[ok])) < 2:
        return np.array([np.nan, np.nan])
    X = np.column_stack([np.ones(ok.sum()), np.log(lr[ok]), -np.log(b[ok])])
    coef, _, _, _ = np.linalg.lstsq(X, np.log(rate[ok]), rcond=None)
    return coef[1:]


def points_of(lr, b, rate):
    """``points`` for :func:`exponent_fit` over runs: the rows ``indices`` of three
    arrays, one value per run."""
    lr, b, rate = (np.asarray(a, dtype=np.float64) for a in (lr, b, rate))
    return lambda i: (lr[i], b[i], rate[i])


def exponent_fit(
    points,
    units: list[np.ndarray],
    min_points: int,
    resamples: int = N_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = LEVEL,
) -> dict:
    """The exponents of a per-step rate on lr (alpha) and on 1/b (beta): least squares
    log rate = c + alpha log lr - beta log b (Theorem 1's second-order term has alpha = 2,
    beta = 1; :func:`_exponents`), with bootstrap ``level`` intervals.

    points: ``indices -> (lr, b, rate)`` arrays, the points the bootstrap units of
    ``indices`` give (all of them: ``np.arange`` over every unit's indices); units: the
    bootstrap's resampling units (:func:`bootstrap_interval`): seed labels of points for
    E10's fit over runs (:func:`seed_units`), order pairs for Theorem 1 per step.
    min_points: the fewest points with a positive rate to fit. The intervals are NaN
    where the point estimate is."""
    every = np.concatenate(units) if units else np.empty(0, int)
    alpha, beta = _exponents(*points(np.sort(every)), min_points)
    low, high = np.full(2, np.nan), np.full(2, np.nan)
    if np.isfinite(alpha):
        low, high = bootstrap_interval(
            lambda i: _exponents(*points(i), min_points), units, level, resamples, seed
        )
    return {
        "alpha": float(alpha),
        "alpha_low": float(low[0]),
        "alpha_high": float(high[0]),
        "beta": float(beta),
        "beta_low": float(low[1]),
        "beta_high": float(high[1]),
    }

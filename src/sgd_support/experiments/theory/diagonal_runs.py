"""E12's runs of diagonal networks and what every row reads from them: the path weights,
the vanishing times of the first layer, Wilson intervals, and the data's misfit for a
linear model.

A diagonal network of depth L on d inputs (scalar output) computes
f(x) = sum_j (prod_l W_l[j, j]) x_j with identity activation; its weights are stored as
dense (out, in) matrices, so coordinate j's path is W_l[j, j] for l < L and W_L[0, j].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sgd_support.core.storage import read_metadata, read_trajectory, read_weights
from sgd_support.experiments.theory import targets as rows
from sgd_support.reporting.run_paths import FULL, coordinates

EXPERIMENT = "E12"
# A first-layer weight has "vanished" when |W1[j, j]| ends (or first falls) below this
# share of its init value: a tenfold drop (the delta of Theorem 2's time).
VANISH = 0.1
Z = 1.959963984540054  # the standard normal's 97.5% quantile (two-sided 95%: Wilson intervals)


@dataclass
class DiagonalRun:
    """One run of an E12 row: coordinates, the config entries it was trained with (its
    metadata), status, and what the rows read."""

    coords: dict
    config: dict  # {"dataset": ..., "model": ..., "optimizer": ...}, schema-filled
    status: str
    traj: pd.DataFrame  # step, full_loss, irrelevant_norm (+ w0_j_j if recorded)
    init: list[np.ndarray]  # the weights at step 0, (out, in) each
    end: list[np.ndarray]  # the weights at the last step

    @property
    def roles(self) -> set[str]:
        return rows.diagonal_roles(self.config["dataset"], self.config["model"], self.config["optimizer"])

    @property
    def full_batch(self) -> bool:
        return self.coords["batch"] == FULL

    @property
    def depth(self) -> int:
        return len(self.init)


def load_runs(trajectories: list[str], weights: list[str]) -> list[DiagonalRun]:
    """E12 runs from their trajectory and weights files (paired by coordinates), in path order."""
    by_coords = {tuple(coordinates(p).values()): p for p in weights}
    runs = []
    for path in sorted(trajectories):  # the rows and table read the same in any input order
        coords = coordinates(path)
        meta = read_metadata(path)
        snapshots = read_weights(by_coords[tuple(coords.values())])
        steps = sorted(snapshots)
        config = {key: meta["config"][key] for key in ("dataset", "model", "optimizer")}
        traj = read_trajectory(path)
        runs.append(
            DiagonalRun(coords, config, meta["status"], traj, snapshots[steps[0]], snapshots[steps[-1]])
        )
    return runs


def diagonals(weights: list[np.ndarray]) -> np.ndarray:
    """(L, d) path weights of a diagonal network: W_l[j, j] for l < L, W_L[0, j]."""
    return np.stack([np.diag(w) for w in weights[:-1]] + [weights[-1][0]]).astype(np.float64)


def irrelevant(support: np.ndarray) -> np.ndarray:
    """Indices of the coordinates outside the support."""
    return np.flatnonzero(~np.asarray(support, dtype=bool))


def wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson score 95% interval of a share k/n (NaN for n = 0)."""
    if n == 0:
        return math.nan, math.nan
    p, z2 = k / n, Z * Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def dead_paths(start: np.ndarray) -> np.ndarray:
    """(d,) True where a diagonal ReLU path carries nothing on any input: a hidden layer
    l = 2..L-1 sees relu(...) >= 0 and passes it on only when W_l[j, j] > 0, so a
    non-positive one switches the path off for every x, and no weight of it ever gets a
    gradient (App. K.2's "neurons completely off"). Layer 1 is never dead on data with
    both signs of x_j (it is active on one half)."""
    hidden = start[1:-1]
    return np.any(hidden <= 0, axis=0) if len(hidden) else np.zeros(start.shape[1], dtype=bool)


def first_layer_ratio(run: DiagonalRun, support: np.ndarray) -> np.ndarray:
    """|W1[j, j]| at the end over its init value, per irrelevant coordinate."""
    j = irrelevant(support)
    start, end = diagonals(run.init)[0, j], diagonals(run.end)[0, j]
    return np.abs(end) / np.abs(start)


def crossing_steps(steps: np.ndarray, w: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Per column of ``w`` (recorded at ``steps``), the step at which |w| first falls to
    ``bound``: log-linear interpolation between the recorded steps around the crossing
    (the record is log-spaced, ~6% apart at 40 per decade, so two runs crossing between the
    same two records still get different times), NaN if it never does."""
    out = np.full(w.shape[1], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.log(np.abs(w) / bound)  # > 0 above the bound, <= 0 at or below it
    for j in range(w.shape[1]):
        below = np.flatnonzero(level[:, j] <= 0)
        if len(below) == 0:
            continue
        i = below[0]
        if i == 0 or not np.isfinite(level[i, j]):
            out[j] = steps[i]
            continue
        fraction = level[i - 1, j] / (level[i - 1, j] - level[i, j])
        out[j] = steps[i - 1] + fraction * (steps[i] - steps[i - 1])
    return out


def vanish_steps(run: DiagonalRun, support: np.ndarray) -> pd.DataFrame:
    """Per irrelevant coordinate: the step at which |W1[j, j]| first falls to VANISH times
    its init value (:func:`crossing_steps`; NaN if never; needs the run's w0_j_j columns:
    recording.param_columns), and whether W1[j, j] was the larger of the path's weights
    at init (so that only SGD's second-order shrinkage, not GD's, can cut it: Theorem 2's
    i = 2 for depth 2)."""
    j = irrelevant(support)
    start = diagonals(run.init)
    cols = [f"w0_{k}_{k}" for k in j]
    if not set(cols) <= set(run.traj.columns):
        raise ValueError(
            f"run {run.coords}: no w0_j_j columns; set recording.param_columns to the model's parameter count"
        )
    w = run.traj[cols].to_numpy(dtype=np.float64)
    first = crossing_steps(run.traj["step"].to_numpy(dtype=np.float64), w, VANISH * np.abs(start[0, j]))
    larger = np.argmin(np.abs(start[:, j]), axis=0) != 0
    return pd.DataFrame({"coordinate": j, "step": first.astype(float), "not_smallest": larger})


def has_first_layer_columns(run: DiagonalRun) -> bool:
    return "w0_0_0" in run.traj.columns


def misfit(x: np.ndarray, y: np.ndarray, support: np.ndarray) -> dict:
    """The data's misspecification for a linear model: R^2 = the residual variance of
    the least-squares linear fit (Prop. 2's R^2 > 0), R_j^2 = mean(res^2 x_j^2) over the
    irrelevant j (Theorem 2's constant), and max |mean(y x_j)| there (should be ~0)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64).ravel()
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    res = y - x @ beta
    irr = ~np.asarray(support, dtype=bool)
    rj2 = np.mean(res[:, None] ** 2 * x[:, irr] ** 2, axis=0)
    return {
        "R2": float(np.mean(res**2)),
        "Rj2_median": float(np.median(rj2)),
        "max_corr": float(np.max(np.abs(x[:, irr].T @ y / len(y)))),
        # the least-squares coefficients off the support: 0 where E_D[y x_j] = 0 and the
        # inputs are uncorrelated on the data set, ~1/sqrt(n) on a finite sample of them
        "coef": np.abs(beta[irr]),
    }

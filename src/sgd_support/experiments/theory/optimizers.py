"""E13's runs and what is measured on each: the irrelevant norm ||W1[:, r:]||_F of fully
connected networks on synthetic data, under the optimizers of the optimizer axis (GD and
SGD, weight decay, label noise, sampling with or without replacement or online,
momentum, Adam). The claim rows built on these measures are in
:mod:`sgd_support.experiments.theory.optimizer_claims`.

A run is read from its trajectory file: its coordinates from the Hive folders, its
optimizer entry and activation from the config its files store (``meta["config"]``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sgd_support.core.storage import read_metadata, read_trajectory
from sgd_support.experiments.analyses.slope_fits import line_fit
from sgd_support.experiments.theory.targets import optimizer_axis
from sgd_support.reporting.run_paths import coordinates

# float32's unit roundoff: storing a weight moves it by at most this share of itself, so
# storing W1[:, r:] moves its Frobenius norm by at most this share of the norm.
UNIT_ROUNDOFF = 2.0**-24
# An increase of ||W1[:, r:]|| counts (Prop. 7) when it exceeds ROUNDING_MARGIN times the
# storage bound UNIT_ROUNDOFF * norm. Measured (tests/test_theory_optimizers.py): GD where
# exact arithmetic never grows the norm (App. E's setting, below the stability threshold)
# grows it in float32 by at most 0.33 UNIT_ROUNDOFF of itself, so the bar is 30x what
# rounding alone produced (the margin 10 is MULTIPLE of tests/envelopes.py).
ROUNDING_MARGIN = 10.0
TAIL_FROM = 0.5  # the tail of a run (Props. 9, 10; plateaus): its recorded steps >= this share of its steps


@dataclass
class OptRun:
    """One E13 run: coordinates (lr a number, batch "full" or a size), the optimizer's
    place on the axis (:func:`~sgd_support.experiments.theory.targets.optimizer_axis`),
    the model's activation, its steps and status, and its trajectory (step,
    irrelevant_norm, relevant_norm, full_loss)."""

    coords: dict
    axis: dict
    activation: str
    steps: int
    status: str
    traj: pd.DataFrame

    @property
    def batch(self) -> int | None:
        return None if self.coords["batch"] == "full" else int(self.coords["batch"])

    @property
    def lr(self) -> float:
        return float(self.coords["lr"])

    @property
    def pair(self) -> tuple[str, str]:
        return self.coords["dataset"], self.coords["model"]

    @property
    def seeds(self) -> tuple[str, str]:
        return self.coords["init"], self.coords["order"]

    @property
    def label(self) -> str:
        """GD, GD+wd, SGD-32, SGD-32+wd, GD+noise 0.5, SGD-32 with replacement, SGD-32
        online, SGD-32 momentum 0.9 (nesterov), Adam-32, AdamW-32+wd, ..."""
        axis = self.axis
        size = "" if self.batch is None else f"-{self.batch}"
        if axis["adam"] is not None:
            # AdamW only where decoupling matters: with weight decay
            decoupled = axis["adam"]["decoupled"] and axis["weight_decay"] > 0
            name = ("AdamW" if decoupled else "Adam") + size
        else:
            name = "GD" if self.batch is None else f"SGD{size}"
        if axis["weight_decay"] > 0:
            name += "+wd"
        if axis["label_noise"] > 0:
            name += f"+noise {axis['label_noise']:g}"
        if axis["sampling"] != "without_replacement":
            name += " " + axis["sampling"].replace("_", " ")
        if axis["momentum"] > 0:
            name += f" {'nesterov' if axis['nesterov'] else 'momentum'} {axis['momentum']:g}"
        return name

    def norm(self, column: str = "irrelevant_norm") -> pd.Series:
        """``column`` indexed by step."""
        return self.traj.set_index("step")[column]

    def at(self, step: int, column: str = "irrelevant_norm") -> float:
        return float(self.norm(column).loc[step])

    def final(self, column: str = "irrelevant_norm") -> float:
        return float(self.traj[column].iloc[-1])

    def dense_until(self) -> int:
        """The last step up to which every step is recorded (recording.dense_until, or the
        run's end)."""
        steps = self.traj["step"].to_numpy()
        gaps = np.flatnonzero(steps != np.arange(len(steps)))
        return int(steps[gaps[0] - 1] if len(gaps) else steps[-1])


def load_runs(paths: list[str]) -> list[OptRun]:
    """E13's runs from their trajectory files."""
    runs = []
    for path in paths:
        meta = read_metadata(path)
        frame = read_trajectory(path)[["step", "irrelevant_norm", "relevant_norm", "full_loss"]]
        runs.append(
            OptRun(
                coords=coordinates(path),
                axis=optimizer_axis(meta["config"]["optimizer"]),
                activation=meta["config"]["model"]["activation"],
                steps=int(meta["spec"]["steps"]),
                status=meta["status"],
                traj=frame.reset_index(drop=True),
            )
        )
    return sorted(runs, key=lambda r: (r.pair, r.lr, r.batch or math.inf, r.label, r.seeds))


# --- Prop. 7: the share of steps on which the irrelevant norm increases ---------------------


def increases(run: OptRun) -> dict:
    """Over the dense record (steps 0..D, every step recorded): the steps on which
    ||W1[:, r:]|| grows by more than the float32 bound (ROUNDING_MARGIN * UNIT_ROUNDOFF *
    norm), and the largest growth relative to the norm."""
    last = run.dense_until()
    norm = run.traj["irrelevant_norm"].to_numpy()[: last + 1]
    growth = np.diff(norm) / norm[:-1]
    return {
        "steps": last,
        "increasing": int(np.sum(growth > ROUNDING_MARGIN * UNIT_ROUNDOFF)),
        "largest": float(growth.max()) if len(growth) else math.nan,
    }


def batch_noise(x: np.ndarray, y: np.ndarray, support: np.ndarray, batch: int | None) -> float:
    """RMS over batches of ``batch`` rows drawn without replacement (all rows for None) of
    ||E_B[y z]||, z the irrelevant inputs: the part of the batch gradient on W1[:, r:]
    that does not scale with W1[:, r:] (App. K.3, Eq. 28: the labels' term). Its square is
    ||mu||^2 + (s^2 / b) (n - b) / (n - 1), mu = E_D[y z], s^2 = E_D ||y z - mu||^2."""
    v = y[:, :1].astype(np.float64) * x[:, ~support].astype(np.float64)
    n = len(v)
    b = n if batch is None else min(batch, n)
    mu = v.mean(axis=0)
    spread = float(np.mean(np.sum((v - mu) ** 2, axis=1)))
    return math.sqrt(float(mu @ mu) + spread / b * (n - b) / max(n - 1, 1))


def cross_covariance(x: np.ndarray, support: np.ndarray) -> float:
    """||E_D[x_rel z^T]||_F: the data's second moment between relevant and irrelevant
    inputs. App. E works in a basis where it is 0 (so the irrelevant block decouples); on a
    finite sample of independent coordinates it is ~ 1/sqrt(n) per entry."""
    x = x.astype(np.float64)
    return float(np.linalg.norm(x[:, support].T @ x[:, ~support] / len(x)))


def mean_log_decrease(run: OptRun, step: int) -> float:
    """(ln ||W1[:, r:]||(0) - ln ||W1[:, r:]||(step)) / step: the mean per-step log-decrease."""
    return (math.log(run.at(0)) - math.log(run.at(step))) / step


# --- Props. 9, 10: exponential decay with weight decay --------------------------------------


def tail(run: OptRun) -> pd.DataFrame:
    """The recorded steps in the run's last (1 - TAIL_FROM) share, with a positive norm."""
    frame = run.traj[(run.traj["step"] >= TAIL_FROM * run.steps) & (run.traj["step"] > 0)]
    return frame[frame["irrelevant_norm"] > 0]


def decay_fit(run: OptRun) -> dict:
    """Fits of ln ||W1[:, r:]|| on the tail: against the step (exponential decay; rate =
    -slope per step) and against ln step (power law); each with its R^2. ``bound`` is
    App. K.5's lower bound on the rate, -ln(1 - lr * weight_decay) (the factor (1 - eta
    lambda) per step), ``head_rate`` the mean per-step log-decrease over the first part."""
    frame = tail(run)
    steps = frame["step"].to_numpy(np.float64)
    log_norm = np.log(frame["irrelevant_norm"].to_numpy(np.float64))
    slope, intercept, r2_exp = line_fit(steps, log_norm)
    _, _, r2_pow = line_fit(np.log(steps), log_norm)
    start = int(steps[0]) if len(steps) else run.steps
    return {
        "rate": -slope,
        "intercept": intercept,
        "r2_exp": r2_exp,
        "r2_pow": r2_pow,
        "bound": -math.log1p(-run.lr * run.axis["weight_decay"]),
        "tail_start": start,
        "tail_fall": run.at(start) / run.final() if len(steps) else math.nan,
        "head_rate": mean_log_decrease(run, start) if start > 0 else math.nan,
        "loss_low": float(frame["full_loss"].min()) if len(frame) else math.nan,
        "loss_high": float(frame["full_loss"].max()) if len(frame) else math.nan,
    }


# --- pairs: the same setting but one field of the optimizer ---------------------------------


def final_common(a: OptRun, b: OptRun) -> tuple[int, float, float]:
    """The last step both runs recorded and both irrelevant norms there."""
    common = sorted(set(a.traj["step"]) & set(b.traj["step"]))
    step = int(common[-1])
    return step, a.at(step), b.at(step)


def log_ratio_interval(ratios: list[float], level: float = 0.95) -> tuple[float, float, float]:
    """Geometric mean of ``ratios`` and its ``level`` t-interval (on the log ratios; the
    pairs are independent seeds). NaN ends with fewer than 2 ratios."""
    from scipy import stats

    logs = np.log(np.asarray(ratios, dtype=np.float64))
    centre = float(np.exp(logs.mean()))
    if len(logs) < 2:
        return centre, math.nan, math.nan
    half = stats.t.ppf((1 + level) / 2, len(logs) - 1) * logs.std(ddof=1) / math.sqrt(len(logs))
    return centre, float(np.exp(logs.mean() - half)), float(np.exp(logs.mean() + half))


def partner(run: OptRun, runs: list[OptRun], lr: float | None = None, **axis) -> OptRun | None:
    """The completed run of ``runs`` in ``run``'s setting (data set, model, batch size, init
    and order seeds; lr ``lr`` if given) whose axis is ``run``'s with the fields ``axis``
    replaced; None if there is none."""
    wanted = {**run.axis, **axis}
    lr = run.lr if lr is None else lr
    for other in runs:
        if (
            other.status == "completed"
            and other.pair == run.pair
            and other.batch == run.batch
            and other.seeds == run.seeds
            and math.isclose(other.lr, lr, rel_tol=1e-9)
            and other.axis == wanted
            and other.activation == run.activation
        ):
            return other
    return None


def gd_partner(run: OptRun, runs: list[OptRun]) -> OptRun | None:
    """The plain GD run (no weight decay) of ``run``'s data set, model, lr and init seed."""
    for other in runs:
        if (
            other.status == "completed"
            and other.batch is None
            and other.pair == run.pair
            and other.coords["init"] == run.coords["init"]
            and math.isclose(other.lr, run.lr, rel_tol=1e-9)
            and other.activation == run.activation
            and other.axis == {**run.axis, "label_noise": 0.0, "sampling": "without_replacement"}
        ):
            return other
    return None

"""E10, Theorem 1's algebra isolated: only W1 moves, the later layers ``W~`` frozen.

The whole-network measurement (:mod:`sgd_support.experiments.analyses.theorem1`) moves
every layer, as training does. Theorem 1's proof (App. K) holds ``W~ = W_L ... W_2``
fixed, so this module repeats the test with ``W~`` frozen, twice:

1. **The same protocol** (:func:`same_protocol`): k steps from the snapshot, the same
   order pairs, the mean over orders of ``||W1[:, r:]||``, W~ frozen. Its excess over GD
   against the whole network's, cell by cell, says how much of the whole-network excess
   the first layer's own dynamics (the theorem's mechanism) explains.
2. **The theorem's term** (:func:`epoch_excess`): the multiplicative part of the update
   the theorem is about, ``W1[:, r:] <- W1[:, r:] (I - eta a Lambda^B)`` row by row in
   P's eigenbasis (the residual term, zero in expectation under Assumption 1, left out:
   at fitted weights it cancels the shrinkage of the row's least-squares part), over one
   whole epoch (``m = ceil(N/b)`` steps, where Theorem 1's 1/b lives: within an epoch the
   first k steps' pairs give ``(k-1)/(2(N-1))`` per step whatever b), the mean over
   orders of the *weights* (the theorem's expectation is of W1[i, j]), each order paired
   with its reverse (their first-order terms cancel to leading order). Only the rows
   with a > 0 move; on them the per-step excess ``D/m`` is compared with
   ``eta (eta/2b) a^2 c_j^2 F`` (c_j^2: :func:`theorem1.fourth_moment`; F = b(m-1)/(N-1),
   (N-b)/(N-1) when b divides N), and ``D/m / F`` is fitted as lr^alpha b^-beta.

The step sizes are the config's ``theorem1.first_layer_eta_a``: ``eta a`` per step (a
the largest eigenvalue of P), so that the test sits where the theorem's leading order in
eta holds whatever the weights' scale (a is ~2-3 at the linear target's GD weights, ~100x
smaller at the sine target's); lr = eta_a * outputs / (2 a). The number of order pairs
grows with sqrt(b / smallest b): the theorem's term is ~(eta a)^2 / b per step while the
noise of the mean over orders is ~eta a / sqrt(orders).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sgd_support.experiments.analyses.slope_fits import exponent_fit, points_of, seed_units
from sgd_support.experiments.analyses.theorem1 import (
    EXPECTED,
    _within,
    excess_curves,
    exponent_reason,
    fourth_moment,
    network_step,
    value_range,
)
from sgd_support.reporting.claims import Claim

CHUNK = 512  # orders per chunk of the epoch simulation: (CHUNK, b, d) floats in memory
RATIO_BAND = (0.8, 1.25)  # median measured/predicted "near 1": within 25% (see module doc)
MIN_CELLS = 4  # cells for the exponent fit: one more than its 3 coefficients


def first_layer_step(weights, xb, yb, lr) -> list[np.ndarray]:
    """:func:`theorem1.network_step` with only the first layer updated (W~ frozen)."""
    return [network_step(weights, xb, yb, lr)[0], *weights[1:]]


def same_protocol(weights, ds, settings: dict, batch: int) -> np.ndarray:
    """D(k)/k per lr of ``settings["lrs"]`` with only W1 moving, the protocol of
    :func:`theorem1.excess_curves` (same orders, seed, k)."""
    out = excess_curves(
        weights,
        ds.x,
        ds.y,
        ds.support,
        settings["lrs"],
        batch,
        settings["steps"],
        settings["orders"],
        settings["seed"],
        step=first_layer_step,
    )
    excess = np.log(out["gd"][:, -1]) - np.log(out["sgd"].mean(axis=1)[:, -1])
    return excess / settings["steps"]


def moving_rows(weights: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(a, Z): the eigenvalues a > 0 of P = W~^T W~ and W1's rows in their eigenvectors."""
    w = [np.asarray(v, np.float64) for v in weights]
    tail = w[-1]
    for layer in w[-2:0:-1]:
        tail = tail @ layer
    a, basis = np.linalg.eigh(tail.T @ tail)
    keep = a > 1e-9 * a.max()
    return a[keep], (basis.T @ w[0])[keep]


def epoch_lrs(weights, eta_a) -> np.ndarray:
    """The learning rates at which ``eta a`` (eta = 2 lr / outputs, a the largest
    eigenvalue of W~^T W~) takes the values ``eta_a``."""
    a, _ = moving_rows(weights)
    return np.asarray(eta_a, np.float64) * np.asarray(weights[-1]).shape[0] / (2.0 * a.max())


def epoch_excess(weights, x, support, lrs, batch: int, orders: int, seed: int = 0) -> dict:
    """One epoch of the theorem's multiplicative update on the moving rows' irrelevant
    part, SGD (``2 x orders`` orders: each and its reverse) against GD.

    Returns ``gd`` (L,): GD's irrelevant norm after the epoch per lr; ``pairs`` (L, orders,
    rows, d): each order pair's mean moving rows Z; ``predicted`` (L,): Theorem 1's
    per-step excess of the irrelevant norm; ``factor``: F; ``steps``: m.
    """
    x = np.asarray(x, np.float64)
    support = np.asarray(support, bool)
    a, z = moving_rows(weights)
    z = np.where(support, 0.0, z)  # the irrelevant part alone: the theorem's W1[:, r:]
    n, lrs = len(x), np.asarray(lrs, np.float64)
    m = -(-n // batch)
    eta = 2.0 * lrs / np.asarray(weights[-1]).shape[0]
    rng = np.random.default_rng(seed)
    full = np.argsort(rng.random((orders, n)), axis=1)
    pairs = np.zeros((len(lrs), orders, *z.shape))
    for start in range(0, orders, CHUNK):
        chunk = full[start : start + CHUNK]
        for direction in (chunk, chunk[:, ::-1]):
            zs = np.broadcast_to(z, (len(lrs), len(chunk), *z.shape)).copy()
            for t in range(m):
                xb = x[direction[:, t * batch : (t + 1) * batch]]  # (orders, b, d)
                proj = np.einsum("lkod,kbd->lkob", zs, xb)
                zs -= (
                    (eta[:, None, None, None] * a[None, None, :, None])
                    * np.einsum("lkob,kbd->lkod", proj, xb)
                    / xb.shape[1]
                )
            pairs[:, start : start + len(chunk)] += zs / 2
    lam = x.T @ x / n
    gd = []
    for e in eta:
        zg = z.copy()
        for _ in range(m):
            zg = zg - e * a[:, None] * (zg @ lam)
        gd.append(np.linalg.norm(zg[:, ~support]))
    c2 = fourth_moment(x, support)
    factor = batch * (m - 1) / (n - 1)
    weight = z[:, ~support] ** 2
    predicted = [
        float((weight * np.outer(a**2, c2)).sum() / weight.sum() * e * e / (2 * batch) * factor) for e in eta
    ]
    return {
        "gd": np.array(gd),
        "pairs": pairs,
        "predicted": np.array(predicted),
        "factor": factor,
        "steps": m,
    }


def epoch_table(out: dict, lrs, batch: int, support) -> pd.DataFrame:
    """Per lr: measured per-step excess D/m, its bootstrap s.e. over order pairs, the
    prediction and their ratio."""
    support = np.asarray(support, bool)
    pairs, m = out["pairs"][..., ~support], out["steps"]
    measured = (np.log(out["gd"]) - np.log(np.linalg.norm(pairs.mean(axis=1), axis=(1, 2)))) / m
    rng = np.random.default_rng(0)
    draws = []
    for _ in range(200):
        pick = rng.integers(0, pairs.shape[1], pairs.shape[1])
        draws.append(
            (np.log(out["gd"]) - np.log(np.linalg.norm(pairs[:, pick].mean(axis=1), axis=(1, 2)))) / m
        )
    return pd.DataFrame(
        {
            "lr": list(lrs),
            "batch": batch,
            "steps": m,
            "excess_per_step": measured,
            "se_per_step": np.std(draws, axis=0, ddof=1),
            "predicted_per_step": out["predicted"],
            "ratio": measured / out["predicted"],
            "factor": out["factor"],
        }
    )


def analyse_first_layer(records: list[dict], data: dict, settings: dict, whole: pd.DataFrame):
    """Both W1-only measurements from every record's snapshots (as :func:`theorem1.analyse`).

    whole: the whole-network per-cell table (its ``excess_per_step``). Returns the
    per-cell table (both measurements and ``share``: the W1-only same-protocol excess over
    the whole network's) and one fit per snapshot (exponents of the theorem's term, the
    median measured/predicted, the median share).
    """
    rows, fits = [], []
    for rec in records:
        ds = data[rec["dataset"]]
        batches = [b for b in settings["batches"] if settings["steps"] <= -(-ds.n // b)]
        for step in [s for s in settings["snapshots"] if s in rec["snapshots"]]:
            weights, cells = rec["snapshots"][step], []
            lrs = epoch_lrs(weights, settings["first_layer_eta_a"])
            for b in batches:
                orders = int(round(settings["orders"] * np.sqrt(b / min(batches))))
                table = epoch_table(
                    epoch_excess(weights, ds.x, ds.support, lrs, b, orders, settings["seed"]),
                    lrs,
                    b,
                    ds.support,
                )
                table.insert(2, "eta_a", settings["first_layer_eta_a"])
                same = pd.DataFrame(
                    {"same_lr": settings["lrs"], "w1_only_per_step": same_protocol(weights, ds, settings, b)}
                )
                key = (whole["dataset"] == rec["dataset"]) & (whole["model"] == rec["model"])
                key &= (whole["snapshot"] == step) & (whole["batch"] == b)
                same["whole_per_step"] = whole.loc[key, "excess_per_step"].to_numpy()
                same["share"] = same["w1_only_per_step"] / same["whole_per_step"]
                table = pd.concat([table, same], axis=1)
                for col, value in (("dataset", rec["dataset"]), ("model", rec["model"]), ("snapshot", step)):
                    table.insert(0, col, value)
                cells.append(table)
            snap = pd.concat(cells, ignore_index=True)
            rows.append(snap)
            ok = snap[np.isfinite(snap["ratio"]) & (snap["excess_per_step"] > 0)]
            # every cell its own bootstrap unit (one W~, no seeds to resample)
            rates = ok["excess_per_step"] / ok["factor"]
            fit = exponent_fit(points_of(ok["lr"], ok["batch"], rates), seed_units(range(len(ok))), MIN_CELLS)
            fits.append(
                {
                    "dataset": rec["dataset"],
                    "model": rec["model"],
                    "snapshot": step,
                    **{
                        k: fit[k]
                        for k in ("alpha", "alpha_low", "alpha_high", "beta", "beta_low", "beta_high")
                    },
                    "n_cells": len(ok),
                    "n_all": len(snap),
                    "ratio": float(snap["ratio"].median()),
                    "ratio_low": float(snap["ratio"].min()),
                    "ratio_high": float(snap["ratio"].max()),
                    "share": float(snap["share"].median()),
                    "share_low": float(snap["share"].min()),
                    "share_high": float(snap["share"].max()),
                }
            )
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return table, pd.DataFrame(fits)


def first_layer_claim(dataset: str, model: str, fits: pd.DataFrame) -> Claim:
    """The theorem's term with W~ frozen: every snapshot's exponents near (2, 1) and the
    median measured/predicted in RATIO_BAND; the measured part also gives how much of
    the whole-network excess the W1-only dynamics explain (same protocol)."""
    fits = fits[(fits["dataset"] == dataset) & (fits["model"] == model)] if len(fits) else fits
    parts, verdicts, missed = [], [], []
    for _, f in fits.iterrows():
        checks = [(name, _within(f[f"{name}_low"], f[f"{name}_high"], EXPECTED[name])) for name in EXPECTED]
        near = RATIO_BAND[0] <= f["ratio"] <= RATIO_BAND[1]
        verdicts.append(all(ok for _, ok in checks) and near)
        parts.append(
            f"from GD's step-{f['snapshot']} weights: alpha {f['alpha']:.2f} [{f['alpha_low']:.2f}, "
            f"{f['alpha_high']:.2f}], beta {f['beta']:.2f} [{f['beta_low']:.2f}, {f['beta_high']:.2f}] "
            f"({f['n_cells']}/{f['n_all']} cells positive); measured/predicted median {f['ratio']:.3g} "
            f"(cells {value_range([f['ratio_low']])} to {value_range([f['ratio_high']])}); same protocol as "
            f"the whole network: the W1-only excess is {f['share']:.3g} of the whole network's (median; "
            f"cells {f['share_low']:.3g} to {f['share_high']:.3g})"
        )
        missed += [
            f"step {f['snapshot']}: " + exponent_reason(name, f[f"{name}_low"], f[f"{name}_high"])
            for name, ok in checks
            if not ok
        ]
        if not near:
            side = "below" if f["ratio"] < RATIO_BAND[0] else "above"
            missed.append(
                f"step {f['snapshot']}: measured/predicted median {f['ratio']:.3g} lies {side} "
                f"[{RATIO_BAND[0]}, {RATIO_BAND[1]}]"
            )
    passed = all(verdicts) if verdicts else None
    why = "; ".join(missed) if passed is False else ""
    if passed is None:
        why = "The GD run saved no weights at the steps of theorem1.snapshots (see recording.snapshots)."
    return Claim(
        experiment="E10",
        claim=(
            f"{dataset}/{model}: Theorem 1's term as the proof derives it (W~ frozen, only W1 moving): "
            "per step SGD shrinks W1[:, r:] more than GD by eta (eta/2b) a^2 c^2 (N-b)/(N-1)"
        ),
        criterion=(
            "one epoch of the multiplicative update W1[:, r:] (I - eta a Lambda^B) from the snapshot's "
            "W1[:, r:] (rows with a > 0), the mean over order pairs of the weights against GD: per-step "
            "excess fitted as lr^alpha b^-beta (x F): both 95% bootstrap intervals meet 2 and 1 within 10%, "
            f"and the median of measured / (eta (eta/2b) a^2 c^2 F) in [{RATIO_BAND[0]}, {RATIO_BAND[1]}] "
            "(c^2 = sum_l Var(x_j x_l))"
        ),
        measured="; ".join(parts) if parts else "no snapshot",
        passed=passed,
        location="Theorem 1, App. K (K.3)",
        scope="linear networks",
        why=why,
    )

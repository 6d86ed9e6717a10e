"""E10, Theorem 1 tested as stated: per step, in expectation over batch orders, from given weights.

Theorem 1 (linear network, MSE): one step multiplies an irrelevant first-layer weight
``W1[i, j]`` (``j >= r``), in expectation over batch sampling, by
``1 - eta a E[x_j^2]`` under GD and by ``1 - eta a E[x_j^2] - eta (eta/2b) a^2 c^2``
under mini-batch SGD without replacement. **The prediction, from the proof (App. K):**

- *Which layers move.* Only ``W1`` (our ``W0``); the later layers enter through
  ``P = W~^T W~``, ``W~ = W_L ... W_2``, held at the given weights. In P's eigenbasis
  row ``i`` has ``a = a_i`` (an eigenvalue of P; for a scalar output P has rank 1, so
  every row in the kernel of ``W~`` has ``a = 0`` and does not move at all).
- *Our loss.* ``mean((f - y)^2)`` has no 1/2, so the paper's ``eta`` is ``2 lr / outputs``.
- *c.* One step multiplies the row ``W1[i, :]`` by ``I - eta a_i Lambda^B`` with
  ``Lambda^B = mean over the batch of x x^T``; two steps on disjoint batches give the
  product, whose cross term ``eta^2 a_i^2 Lambda^B1 Lambda^B2`` has, without
  replacement, ``[j, j]`` entry of expectation ``(Lambda^D)^2[j, j] - c_j^2/(N-1)``,
  ``c_j^2 = sum_l Var_D(x_j x_l)`` over the N training rows (:func:`fourth_moment`; the
  covariance of two disjoint batch means is ``-Var/(N-1)`` whatever their sizes). GD's
  cross term lacks the ``-c_j^2/(N-1)``.
- *(N-b)/(N-1).* An epoch of ``m = N/b`` steps has ``m(m-1)/2`` such pairs, so per
  step SGD shrinks ``W1[i, j]`` more than GD by
  ``eta^2 a_i^2 c_j^2 (m-1)/(2(N-1)) = eta (eta/2b) a_i^2 c_j^2 (N-b)/(N-1)``: Theorem
  1's term with the finite-population factor of sampling without replacement.
  :func:`predicted_excess` gives it for ``||W1[:, r:]||`` (the entries' excesses
  weighted by their squares). Note that this 1/b is an epoch average: the first k
  steps of an epoch hold k(k-1)/2 pairs, i.e. ``eta^2 a^2 c^2 (k-1)/(2(N-1))`` per step
  whatever b, so in the proof's own setting k < N/b steps would show no 1/b at all.

**The measurement** (:func:`excess_curves`): from the given weights, ``steps`` = k
updates of the whole network (every layer moves, as in training; no clipping, float64)
along ``2 x orders`` batch orders, each order paired with its reverse (both uniform
permutations, so the mean stays unbiased, while the leading linear noise of the pair
cancels), against k GD updates. Excess after t steps:
``D(t) = log ||W1_t[:, r:]||_GD - log E_orders ||W1_t[:, r:]||_SGD``; per step
``D(k)/k``. The prediction says D grows linearly in t and ``D(k)/k ~ lr^2/b``;
:func:`per_step_fit` (the exponent fit of slope_fits) fits
``log(D(k)/k / ((N-b)/(N-1))) = c + alpha log lr + beta log(1/b)`` (expected alpha 2,
beta 1), its intervals by resampling order pairs (bootstrap).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sgd_support.experiments.analyses.slope_fits import exponent_fit
from sgd_support.reporting.claims import Claim

BOOTSTRAP = 1000  # resamples of order pairs for the exponents' intervals
MIN_POINTS = 3  # cells for the fit: its 3 coefficients (the intervals come from the orders, not the cells)
LEVEL = 0.95  # their confidence level
EXPECTED = {"alpha": 2.0, "beta": 1.0}  # exponents on lr and on 1/b (Theorem 1: lr^2/b)
TOLERANCE = 0.10  # an interval within 10% of the expected exponent passes: the O(eta^3) terms bend it
GROWTH = (1.5, 2.5)  # D(k)/D(k/2): 2 for a per-step effect (linear in steps), 1 for a one-off offset


def network_step(
    weights: list[np.ndarray], xb: np.ndarray, yb: np.ndarray, lr: np.ndarray
) -> list[np.ndarray]:
    """One plain update (no clipping) of stacked linear MLPs without biases, MSE loss.

    weights: layers ``(T, out, in)`` (first layer first); xb ``(T or 1, b, d)``,
    yb ``(T or 1, b, o)``; lr ``(T, 1, 1)``. For identity activations every layer's
    gradient is ``A_i^T G B_i^T`` with ``G = 2/(b o) (f(x) - y)^T x`` the gradient of
    the end-to-end map, ``A_i`` the product of the layers above and ``B_i`` of those below.
    """
    below = [np.broadcast_to(np.eye(xb.shape[2]), (weights[0].shape[0],) + (xb.shape[2],) * 2)]
    for w in weights[:-1]:
        below.append(w @ below[-1])
    outputs = weights[-1].shape[1]
    above = [np.broadcast_to(np.eye(outputs), (weights[0].shape[0], outputs, outputs))]
    for w in weights[:0:-1]:
        above.insert(0, above[0] @ w)
    end_to_end = weights[-1] @ below[-1]
    residual = xb @ end_to_end.transpose(0, 2, 1) - yb
    grad = (2.0 / (xb.shape[1] * outputs)) * (residual.transpose(0, 2, 1) @ xb)
    return [
        w - lr * (a.transpose(0, 2, 1) @ grad @ b.transpose(0, 2, 1))
        for w, a, b in zip(weights, above, below)
    ]


def _irrelevant_norm(first: np.ndarray, support: np.ndarray) -> np.ndarray:
    return np.sqrt((first[:, :, ~support] ** 2).sum(axis=(1, 2)))


def excess_curves(weights, x, y, support, lrs, batch, steps, orders, seed=0, step=network_step) -> dict:
    """SGD (``2 x orders`` orders: each and its reverse) and GD from ``weights``, k = ``steps``;
    ``step``: the update (:func:`network_step`; the W1-only test freezes the later layers).

    Returns ``gd`` ``(L, k+1)``: GD's irrelevant norm per lr and step; ``sgd``
    ``(L, orders, k+1)``: per order pair the mean of the pair's norms; ``finite``
    ``(L,)``: no order diverged (non-finite weights) at that lr.
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64).reshape(len(x), -1)
    n, n_lr = len(x), len(lrs)
    if steps > -(-n // batch):
        raise ValueError(f"theorem1: {steps} steps of batch {batch} exceed one epoch of {n} rows")
    rng = np.random.default_rng(seed)
    full = np.argsort(rng.random((orders, n)), axis=1)  # the same orders for every lr and b
    paired = np.concatenate([full, full[:, ::-1]])[:, : steps * batch]
    lr_col = np.repeat(np.asarray(lrs, np.float64), 2 * orders).reshape(-1, 1, 1)
    sgd_w = [np.repeat(np.asarray(w, np.float64)[None], n_lr * 2 * orders, axis=0) for w in weights]
    gd_w = [np.repeat(np.asarray(w, np.float64)[None], n_lr, axis=0) for w in weights]
    gd_lr = np.asarray(lrs, np.float64).reshape(-1, 1, 1)
    sgd = np.empty((n_lr * 2 * orders, steps + 1))
    gd = np.empty((n_lr, steps + 1))
    sgd[:, 0], gd[:, 0] = _irrelevant_norm(sgd_w[0], support), _irrelevant_norm(gd_w[0], support)
    order_rows = np.tile(paired, (n_lr, 1))
    with np.errstate(all="ignore"):  # a diverging order overflows; it is reported, not raised
        for t in range(steps):
            idx = order_rows[:, t * batch : (t + 1) * batch]
            sgd_w = step(sgd_w, x[idx], y[idx], lr_col)
            gd_w = step(gd_w, x[None], y[None], gd_lr)
            sgd[:, t + 1], gd[:, t + 1] = (
                _irrelevant_norm(sgd_w[0], support),
                _irrelevant_norm(gd_w[0], support),
            )
    sgd = sgd.reshape(n_lr, 2, orders, steps + 1)
    finite = np.isfinite(sgd).all(axis=(1, 2, 3)) & np.isfinite(gd).all(axis=1)
    return {"gd": gd, "sgd": sgd.mean(axis=1), "finite": finite}


def predicted_excess(weights, x, support, lr: float, batch: int) -> float:
    """Theorem 1's per-step SGD-minus-GD shrinkage of ``log ||W1[:, r:]||`` (module doc).

    Only the first layer moves, P = W~^T W~ fixed; eta = 2 lr / outputs; entry (i, j)
    in P's eigenbasis shrinks by ``eta (eta/2b) a_i^2 c_j^2 (N-b)/(N-1)`` per step more
    than under GD; the norm's excess is their average weighted by the entries' squares.
    """
    x = np.asarray(x, np.float64)
    w = [np.asarray(v, np.float64) for v in weights]
    tail = w[-1]
    for layer in w[-2:0:-1]:
        tail = tail @ layer
    a, basis = np.linalg.eigh(tail.T @ tail)
    z = basis.T @ w[0][:, ~support]
    c2 = fourth_moment(x, support)
    n, eta = len(x), 2.0 * lr / w[-1].shape[0]
    per_entry = eta * eta / (2 * batch) * np.outer(a**2, c2) * (n - batch) / (n - 1)
    return float((z**2 * per_entry).sum() / (z**2).sum())


def fourth_moment(x: np.ndarray, support: np.ndarray) -> np.ndarray:
    """Theorem 1's ``c_j^2`` for each irrelevant input j: ``sum_l Var_D(x_j x_l)``, the
    variance over the N rows of row j of ``x x^T`` (population variance, 1/N).

    Two disjoint batches' ``Lambda^B1 Lambda^B2`` has ``[j, j]`` entry ``sum_l Lambda^B1[j, l]
    Lambda^B2[l, j]``, so every product ``x_j x_l`` fluctuates into the second-order term,
    not only ``x_j^2`` (for d standard normal inputs the sum is d + 1, against 2 for
    ``Var(x_j^2)`` alone). x: (N, d); returns (d - r,)."""
    x = np.asarray(x, np.float64)
    irrelevant = x[:, ~np.asarray(support, bool)]
    return np.array([(irrelevant[:, j, None] * x).var(axis=0).sum() for j in range(irrelevant.shape[1])])


def excess_table(curves: dict, lrs, batch: int, n: int) -> pd.DataFrame:
    """Per lr: D(k)/k (per-step excess), its standard error over order pairs, and D(k)/D(k/2)."""
    gd, sgd, steps = curves["gd"], curves["sgd"], curves["gd"].shape[1] - 1
    mean = sgd.mean(axis=1)
    excess = np.log(gd) - np.log(mean)
    se = sgd.std(axis=1, ddof=1) / np.sqrt(sgd.shape[1]) / mean
    half = steps // 2
    return pd.DataFrame(
        {
            "lr": list(lrs),
            "batch": batch,
            "steps": steps,
            "excess_per_step": excess[:, -1] / steps,
            "se_per_step": se[:, -1] / steps,
            "growth": excess[:, -1] / excess[:, half],
            "population_factor": (n - batch) / (n - 1),
            "finite": curves["finite"],
        }
    )


def per_step_fit(cells: list[dict], seed: int = 0, level: float = LEVEL) -> dict:
    """Exponents of the per-step excess on lr (alpha) and 1/b (beta), with bootstrap
    intervals: :func:`~sgd_support.experiments.analyses.slope_fits.exponent_fit` of
    ``D(k)/k / ((N-b)/(N-1))`` over the cells, resampling the order pairs (BOOTSTRAP times).

    cells: per (lr, batch) ``{"lr", "batch", "factor", "gd": (k+1,), "pairs": (orders, k+1)}``
    sharing the same order pairs (so pairs are resampled jointly across cells).
    """
    lr = np.array([c["lr"] for c in cells], np.float64)
    batch = np.array([c["batch"] for c in cells], np.float64)
    factor = np.array([c["factor"] for c in cells], np.float64)
    gd = np.array([c["gd"][-1] for c in cells])
    pairs = np.array([c["pairs"][:, -1] for c in cells])  # (cells, orders)
    steps = cells[0]["gd"].shape[0] - 1

    def per_step(values):
        return (np.log(gd) - np.log(values.mean(axis=1))) / steps

    def points(orders):  # the cells' rates over the order pairs drawn
        return lr, batch, per_step(pairs[:, orders]) / factor

    units = [np.array([i]) for i in range(pairs.shape[1])]
    fit = exponent_fit(points, units, MIN_POINTS, BOOTSTRAP, seed, level)
    excess = per_step(pairs)
    return {**fit, "n_cells": int(np.sum(np.isfinite(excess) & (excess > 0))), "n_all": len(cells)}


def _within(low: float, high: float, expected: float) -> bool:
    """The interval [low, high] meets [expected (1 - TOLERANCE), expected (1 + TOLERANCE)]."""
    return bool(np.isfinite(low) and high >= expected * (1 - TOLERANCE) and low <= expected * (1 + TOLERANCE))


def growth_reason(growth: float) -> str:
    """What D(k)/D(k/2) out of GROWTH says about how the excess builds up over the k steps."""
    if not np.isfinite(growth):
        return "D(k)/D(k/2) is not finite (D(k/2) is 0 or not measured)"
    if growth < 0:
        return (
            f"D(k)/D(k/2) is {growth:.2f}: D changes sign between k/2 and k steps, no steady per-step excess"
        )
    if growth < 1:
        return (
            f"D(k)/D(k/2) is {growth:.2f}: D falls over the second half of the k steps, no steady per-step "
            "excess"
        )
    if growth < GROWTH[0]:
        return (
            f"D(k)/D(k/2) is {growth:.2f} (2 for a per-step rate): most of the excess is reached within the "
            "first k/2 steps, an offset rather than a rate per step (left panels of the Theorem 1 per-step "
            "figure)"
        )
    return (
        f"D(k)/D(k/2) is {growth:.2f} (2 for a per-step rate): D grows faster than linearly in steps, the "
        "excess per step rises over the k steps (left panels of the Theorem 1 per-step figure)"
    )


def exponent_reason(name: str, low: float, high: float) -> str:
    """Where the interval of exponent ``name`` lies against its band around EXPECTED."""
    lo_band, hi_band = EXPECTED[name] * (1 - TOLERANCE), EXPECTED[name] * (1 + TOLERANCE)
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"{name} has no interval (fewer than 3 cells with a positive excess, or one lr or b)"
    side = "below" if high < lo_band else "above"
    return f"{name}'s interval [{low:.2f}, {high:.2f}] lies {side} [{lo_band:.2f}, {hi_band:.2f}]"


def value_range(values) -> str:
    """ "x" for one value (or several that print the same), else "x-y", 3 significant digits."""
    values = [v for v in values if np.isfinite(v)]
    low, high = f"{min(values):.3g}", f"{max(values):.3g}"
    return low if low == high else f"{low}-{high}"


def percent_range(shares) -> str:
    """Shares as percentages to 4 significant digits (99.99%, not a rounded 100%), one or a range."""
    values = [f"{100 * v:.4g}%" for v in shares if np.isfinite(v)]
    low, high = min(values, key=lambda v: float(v[:-1])), max(values, key=lambda v: float(v[:-1]))
    return low if low == high else f"{low}-{high}"


def ratio_reason(ratios) -> str:
    """How the measured excess compares with Theorem 1's W1-only prediction (medians per snapshot)."""
    ratios = [float(r) for r in ratios if np.isfinite(r)]
    if not ratios:
        return "no finite measured/predicted ratio"
    text = value_range(ratios)
    if min(ratios) > 1:
        return f"the measured excess is {text}x Theorem 1's W1-only prediction (hollow markers)"
    if max(ratios) < 0:
        return f"the measured excess is negative ({text}x Theorem 1's W1-only prediction)"
    if max(ratios) < 1:
        return f"the measured excess is {text} of Theorem 1's W1-only prediction (hollow markers)"
    return f"measured/predicted {text} (hollow markers)"


def kernel_share(weights: list[np.ndarray], support: np.ndarray) -> float:
    """Share of ``||W1[:, r:]||^2`` in the kernel of the later layers' product
    ``W~ = W_L ... W_2`` (rows of W1 in P = W~^T W~'s eigenbasis with a = 0, below 1e-9 of
    the largest a): the part on which Theorem 1's term is zero."""
    w = [np.asarray(v, np.float64) for v in weights]
    tail = w[-1]
    for layer in w[-2:0:-1]:
        tail = tail @ layer
    a, basis = np.linalg.eigh(tail.T @ tail)
    z = basis.T @ w[0][:, ~np.asarray(support, bool)]
    total = float((z**2).sum())
    return float((z[a <= 1e-9 * a.max()] ** 2).sum() / total) if total > 0 else float("nan")


def theorem1_reason(fits: pd.DataFrame, cells: pd.DataFrame) -> str:
    """Why the per-step row fails: for each snapshot that fails, what misses (the growth of
    D in steps, an exponent's interval), then how the measured excess compares with the
    prediction and the measured share of ||W1[:, r:]||^2 where the theorem's term is 0."""
    parts = []
    for _, f in fits.iterrows():
        growth = cells[cells["snapshot"] == f["snapshot"]]["growth"].median()
        missed = [growth_reason(growth)] if not GROWTH[0] <= growth <= GROWTH[1] else []
        missed += [
            exponent_reason(name, f[f"{name}_low"], f[f"{name}_high"])
            for name in EXPECTED
            if not _within(f[f"{name}_low"], f[f"{name}_high"], EXPECTED[name])
        ]
        if missed:
            parts.append(f"step-{f['snapshot']} weights: " + "; ".join(missed))
    ratio = ratio_reason(fits["ratio"])
    text = ". ".join(parts) + ". " + ratio[0].upper() + ratio[1:]
    if "kernel_share" in fits and fits["kernel_share"].notna().any():
        text += (
            f"; {percent_range(fits['kernel_share'])} of ||W1[:, r:]||^2 lies in the kernel of the "
            "later layers' product W~ (a = 0), where Theorem 1's term is zero"
        )
    return text + "."


def theorem1_claim(dataset: str, model: str, fits: pd.DataFrame, table: pd.DataFrame) -> Claim:
    """One row per (dataset, model): every snapshot's exponents near (2, 1) and D growing linearly."""
    if fits.empty:  # no snapshot at the configured steps: nothing measured
        fits, table = pd.DataFrame(columns=["dataset", "model"]), pd.DataFrame(columns=["dataset", "model"])
    fits = fits[(fits["dataset"] == dataset) & (fits["model"] == model)]
    cells = table[(table["dataset"] == dataset) & (table["model"] == model)]
    parts, verdicts = [], []
    for _, f in fits.iterrows():
        growth = cells[cells["snapshot"] == f["snapshot"]]["growth"].median()
        ok = (
            _within(f["alpha_low"], f["alpha_high"], EXPECTED["alpha"])
            and _within(f["beta_low"], f["beta_high"], EXPECTED["beta"])
            and GROWTH[0] <= growth <= GROWTH[1]
        )
        verdicts.append(ok)
        parts.append(
            f"from GD's step-{f['snapshot']} weights: alpha {f['alpha']:.2f} [{f['alpha_low']:.2f}, "
            f"{f['alpha_high']:.2f}], beta {f['beta']:.2f} [{f['beta_low']:.2f}, {f['beta_high']:.2f}] "
            f"({f['n_cells']}/{f['n_all']} cells positive); D(k)/D(k/2) median {growth:.2f}; "
            f"measured/predicted median {f['ratio']:.3g}"
        )
    passed = all(verdicts) if verdicts else None
    why = ""
    if passed is False:
        why = theorem1_reason(fits, cells)
    if passed is None:
        why = "The GD run saved no weights at the steps of theorem1.snapshots (see recording.snapshots)."
    return Claim(
        experiment="E10",
        claim=(
            f"{dataset}/{model}: per step, in expectation over batch orders from given weights, SGD "
            "without replacement shrinks ||W1[:, r:]|| more than GD by ~ lr^2/b"
        ),
        criterion=(
            "excess D(k)/k of k SGD over k GD steps (no clipping, 2x orders batch orders) fitted as "
            "lr^alpha b^-beta (x (N-b)/(N-1)): both 95% bootstrap intervals meet 2 and 1 within 10%, "
            f"and D grows linearly in steps (D(k)/D(k/2) in [{GROWTH[0]}, {GROWTH[1]}])"
        ),
        measured="; ".join(parts) if parts else "no snapshot",
        passed=passed,
        location="Theorem 1, App. K",
        scope="linear networks",
        why=why,
    )


def theorem1_claims(pairs: list[tuple[str, str]], fits: pd.DataFrame, table: pd.DataFrame) -> list[Claim]:
    """One row per (dataset, model) of ``pairs`` (:func:`theorem1_claim`); without any
    (the config has no GD run of a linear network to start from), one undecided row saying so."""
    return [theorem1_claim(dataset, model, fits, table) for dataset, model in pairs] or [
        Claim(
            "E10",
            "per step, SGD shrinks ||W1[:, r:]|| more than GD by ~ lr^2/b",
            "needs GD snapshots",
            "no GD run of a linear network in this config",
            None,
            location="Theorem 1, App. K",
            scope="linear networks",
            why="The config has no GD run of a linear network to start from.",
        )
    ]


def analyse(records: list[dict], data: dict, settings: dict) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Run the measurement from every record's snapshots.

    records: ``{"dataset", "model", "snapshots": {step: [W0, ...]}}`` (GD runs of linear
    networks); data: ``{dataset: Dataset}``; settings: config ``theorem1`` (snapshot steps
    the run did not save, and batch sizes whose k steps exceed one epoch, are skipped).
    Returns the per-cell table, the per-snapshot fits and D(t) per cell for the figure.
    """
    rows, fits, curves = [], [], {}
    for rec in records:
        ds = data[rec["dataset"]]
        batches = [b for b in settings["batches"] if settings["steps"] <= -(-ds.n // b)]
        for step in [s for s in settings["snapshots"] if s in rec["snapshots"]]:
            weights, snap_rows, cells = rec["snapshots"][step], [], []
            for b in batches:
                out = excess_curves(
                    weights,
                    ds.x,
                    ds.y,
                    ds.support,
                    settings["lrs"],
                    b,
                    settings["steps"],
                    settings["orders"],
                    settings["seed"],
                )
                table = excess_table(out, settings["lrs"], b, ds.n)
                table["predicted_per_step"] = [
                    predicted_excess(weights, ds.x, ds.support, lr, b) for lr in settings["lrs"]
                ]
                for col, value in (("dataset", rec["dataset"]), ("model", rec["model"]), ("snapshot", step)):
                    table.insert(0, col, value)
                snap_rows.append(table)
                for i, lr in enumerate(settings["lrs"]):
                    curves[(rec["dataset"], rec["model"], step, lr, b)] = np.log(out["gd"][i]) - np.log(
                        out["sgd"][i].mean(axis=0)
                    )
                    if out["finite"][i]:
                        cells.append(
                            {
                                "lr": lr,
                                "batch": b,
                                "factor": (ds.n - b) / (ds.n - 1),
                                "gd": out["gd"][i],
                                "pairs": out["sgd"][i],
                            }
                        )
            if not cells:
                continue
            snap = pd.concat(snap_rows, ignore_index=True)
            ratio = (snap["excess_per_step"] / snap["predicted_per_step"])[snap["finite"]]
            rows.extend(snap_rows)
            fits.append(
                {
                    "dataset": rec["dataset"],
                    "model": rec["model"],
                    "snapshot": step,
                    "ratio": float(ratio.median()),
                    "kernel_share": kernel_share(weights, ds.support),
                    **per_step_fit(cells, seed=settings["seed"]),
                }
            )
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return table, pd.DataFrame(fits), curves

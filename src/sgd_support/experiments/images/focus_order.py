"""E7's focus claim over batch-order seeds: "the smaller the batch, the more
concentrated the focus map" (Sec. 5.2, Fig. 5), decided with its spread.

Inputs are one effective pixel share per run (``image_analysis.effective_pixel_share``
of the run's final focus map) with the run's effective batch size (GD: the data
size). Per batch size: the median over order seeds and the 10-90% band; across
runs: Spearman's rank correlation of share with batch size and its one-sided
p-value (H1: larger batch, larger share, i.e. less concentrated).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

# One-sided level of the rank test. With 5 seeds at each of 2 batch sizes, perfect
# separation has p = 1/252 = 0.004; one swapped pair still passes (p = 0.008).
ALPHA = 0.05
QUANTILES = (0.1, 0.5, 0.9)  # the band and the median shown per batch size


def share_bands(batches: np.ndarray, shares: np.ndarray) -> pd.DataFrame:
    """Per batch size, ascending: ``batch, runs, q10, median, q90`` of the shares."""
    frame = pd.DataFrame({"batch": np.asarray(batches, int), "share": np.asarray(shares, float)})
    rows = []
    for batch, group in frame.groupby("batch", sort=True):
        q10, med, q90 = np.quantile(group["share"], QUANTILES)
        rows.append(
            {
                "batch": int(batch),
                "runs": len(group),
                "q10": q10,
                "median": med,
                "q90": q90,
            }
        )
    return pd.DataFrame(rows, columns=["batch", "runs", "q10", "median", "q90"])


def rank_test(batches: np.ndarray, shares: np.ndarray) -> tuple[float, float]:
    """Spearman's rho of share against batch size over all runs and its one-sided
    p-value for rho > 0; (nan, nan) with fewer than 3 runs or one batch size."""
    batches, shares = np.asarray(batches, float), np.asarray(shares, float)
    if len(batches) < 3 or len(np.unique(batches)) < 2:
        return float("nan"), float("nan")
    result = spearmanr(batches, shares, alternative="greater")
    return float(result.statistic), float(result.pvalue)


def ordered(bands: pd.DataFrame) -> bool:
    """Whether the median share strictly increases with the batch size."""
    medians = bands.sort_values("batch")["median"].to_numpy()
    return bool(np.all(np.diff(medians) > 0))


def decide(bands: pd.DataFrame, rho: float, p: float) -> bool | None:
    """The claim holds when the medians strictly increase with the batch size and the
    rank test rejects "no increase" at :data:`ALPHA`; None with < 2 batch sizes."""
    if len(bands) < 2 or np.isnan(p):
        return None
    return bool(ordered(bands) and rho > 0 and p < ALPHA)


def describe(bands: pd.DataFrame, rho: float, p: float, data_size: int) -> str:
    """The numbers a claim row shows: per batch size the median share [10%, 90%] (runs),
    then the rank test."""
    columns = bands[["batch", "runs", "q10", "median", "q90"]].itertuples(index=False)
    parts = [
        f"{'GD' if b == data_size else f'b={b}'}: {m:.4f} [{lo:.4f}, {hi:.4f}] ({n})"
        for b, n, lo, m, hi in columns
    ]
    return "; ".join(parts) + f"; Spearman rho {rho:.3f}, one-sided p {p:.2g}"


def explain(bands: pd.DataFrame, rho: float, p: float, data_size: int) -> str:
    """Why a focus row did not pass, from its numbers (one sentence, pointing at the figure)."""
    name = {b: "GD" if b == data_size else f"b={b}" for b in bands["batch"]}
    if len(bands) < 2:
        return "fewer than two batch sizes with completed runs: nothing to order"
    if np.isnan(p):
        return f"{int(bands['runs'].sum())} completed runs: the rank test needs at least 3"
    med = bands.set_index("batch")["median"]
    breaks = [(a, b) for a, b in zip(med.index[:-1], med.index[1:]) if not med[b] > med[a]]
    if breaks:
        a, b = breaks[0]
        return (
            f"the median share of {name[b]} ({med[b]:.4f}) is not above {name[a]}'s ({med[a]:.4f}): "
            "the order breaks there (focus_shares.png)"
        )
    ordered_bands = bands.sort_values("batch")
    overlaps = [
        f"{name[a.batch]} and {name[b.batch]}"
        for a, b in zip(ordered_bands.itertuples(), ordered_bands.iloc[1:].itertuples())
        if a.q90 >= b.q10
    ]
    spread = (
        f"the 10-90% bands of {', '.join(overlaps)} overlap"
        if overlaps
        else f"no two neighbouring bands overlap, but {int(bands['runs'].sum())} runs are too few for the "
        "test"
    )
    return (
        f"the medians increase but the rank test does not reject 'no increase': rho {rho:.3f}, one-sided p "
        f"{p:.2g} >= {ALPHA}; {spread} (focus_shares.png)"
    )

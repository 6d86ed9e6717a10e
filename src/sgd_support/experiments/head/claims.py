"""E9's claim row: the gold head (strong weight decay) keeps the fewest directions of
the features, small-batch SGD fewer than large-batch SGD (App. D, Fig. 8, 19)."""

from __future__ import annotations

import pandas as pd

from sgd_support.reporting.claims import Claim

# An eigenvalue of W1^T W1 "stays" when it is above this share of the init's mean
# eigenvalue (trace / d): the init's bulk sits around 1x, a pruned direction at ~0.
THRESHOLD_SHARE = 0.1


def e9_claim(table: pd.DataFrame, runs: list[dict], threshold: float, label: str) -> Claim:
    """Gold keeps fewest eigenvalues; small-batch SGD keeps fewer than large-batch SGD."""
    done = [(r, row) for r, (_, row) in zip(runs, table.iloc[1:].iterrows()) if row["status"] == "completed"]
    gold = [(r, row) for r, row in done if r["weight_decay"] > 0]
    plain = sorted(
        ((r, row) for r, row in done if r["weight_decay"] == 0), key=lambda p: p[0]["effective_batch"]
    )
    counts = "; ".join(f"{r['name']} lr {r['lr']}: {row['eigenvalues_above']}" for r, row in done)
    measured = f"threshold {threshold:.4g}; init: {table.iloc[0]['eigenvalues_above']}; {counts}"
    passed, why = None, "the config needs a completed weight-decay run and two SGD batch sizes"
    if gold and len(plain) >= 2 and plain[0][0]["effective_batch"] < plain[-1][0]["effective_batch"]:
        g, small, large = (pair[1]["eigenvalues_above"] for pair in (gold[0], plain[0], plain[-1]))
        passed = bool(g <= small < large)
        why = (
            ""
            if passed
            else (
                f"eigenvalues kept: gold {g}, smallest batch {small}, largest batch {large} "
                "(not gold <= small < large; eigenvalue histograms figure)"
            )
        )
    else:
        measured += " (needs a completed weight-decay run and two SGD batch sizes)"
    return Claim(
        "E9",
        f"{label}: the gold head (strong weight decay) keeps a few directions of the features; "
        "small-batch SGD keeps fewer than large-batch SGD (Fig. 8, 19)",
        f"eigenvalues of W1^T W1 above {THRESHOLD_SHARE} x the init's mean eigenvalue: "
        "gold <= smallest batch < largest batch",
        measured,
        passed,
        location="App. D, Fig. 8, 18, 19",
        scope="images",
        why=why,
    )

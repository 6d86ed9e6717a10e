"""How the analyses across runs group them (file paths are read in
:mod:`sgd_support.reporting.run_paths`)."""

from __future__ import annotations

# The coordinates that define a group of runs across init and order seeds.
GROUP = ("dataset", "model", "optimizer", "lr", "batch")


def batch_size(batch: str) -> float:
    """The batch coordinate as a number; full batch ("full") is +inf."""
    return float("inf") if batch == "full" else float(batch)

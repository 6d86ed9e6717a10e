"""How the analyses across runs set them side by side (file paths are read in
:mod:`sgd_support.reporting.run_paths`)."""

from __future__ import annotations

# A setting: the coordinates of a run but its seeds; the analyses compare the runs of a
# setting across init and order seeds ("group" means only training groups).
SETTING = ("dataset", "model", "optimizer", "lr", "batch")


def batch_size(batch: str) -> float:
    """The batch coordinate as a number; full batch ("full") is +inf."""
    return float("inf") if batch == "full" else float(batch)

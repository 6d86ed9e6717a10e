"""What the analyses across runs (E10, E11) share: how they set the runs side by side
(a setting and its batch size; file paths are read in
:mod:`sgd_support.reporting.run_paths`), and which networks their claim rows speak
for: they decide the paper's claims on linear networks and, apart, on the sweep's ReLU
networks."""

from __future__ import annotations

from sgd_support.reporting.claims import Claim, not_claimed_for

# A setting: the coordinates of a run but its seeds; the analyses compare the runs of a
# setting across init and order seeds ("group" means only training groups).
SETTING = ("dataset", "model", "optimizer", "lr", "batch")


def batch_size(batch: str) -> float:
    """The batch coordinate as a number; full batch ("full") is +inf."""
    return float("inf") if batch == "full" else float(batch)


def relu_rows(claims: list[Claim]) -> list[Claim]:
    """``claims`` decided on ReLU settings, each named and scoped as a claim the paper
    makes for linear networks only; none when no row is decided (an undecidable claim
    the paper does not make is left out)."""
    if all(claim.passed is None for claim in claims):
        return []
    for claim in claims:
        claim.claim = f"ReLU networks: {claim.claim}"
        claim.scope = not_claimed_for("linear networks", "ReLU networks")
    return claims

"""Which networks an analysis's claim rows speak for: E10 and E11 decide the paper's
claims on linear networks and, apart, on the sweep's ReLU networks."""

from __future__ import annotations

from sgd_support.reporting.claims import Claim, not_claimed_for


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

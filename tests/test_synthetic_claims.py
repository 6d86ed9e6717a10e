"""The synthetic checklist rows decide on the numbers they are given, both ways."""

from __future__ import annotations

import pandas as pd
import pytest

from sgd_support.experiments.synthetic.claims import LOSS_MAX_EXCESS, PLATEAU_MAX_CHANGE, synthetic_claims
from sgd_support.reporting.claims import is_claimed

ZERO = {"lin": 5.0}  # mean(y^2) of the data set


def run(
    label, kind, batch, final, order="0", half=None, loss=0.03, status="completed", lr="0.1", init_norm=4.48
):
    return {
        "dataset": "lin",
        "model": "m",
        "init": "0",
        "lr": lr,
        "order": order,
        "kind": kind,
        "batch": batch,
        "label": label,
        "experiment": "E1",
        "status": status,
        "steps": 20000,
        "diverged_step": None,
        "init_irrelevant_norm": init_norm,
        "half_irrelevant_norm": final if half is None else half,
        "final_irrelevant_norm": final,
        "final_relevant_norm": 2.0,
        "final_full_loss": loss,
        "late_loss_q10": loss * 0.99,
        "late_loss_q50": loss,
        "late_loss_q90": loss * 1.01,
    }


def paper_like(changes: dict | None = None) -> pd.DataFrame:
    """GD plateaued, SGD ordered by batch size, GD+wd at zero, similar losses."""
    rows = [run("GD", "gd", "full", 3.60, half=3.61), run("GD+wd", "gd_wd", "full", 0.0003)]
    for batch, norm in (("512", 3.24), ("32", 2.31), ("1", 1.52)):
        rows += [run(f"SGD-{batch}", "sgd", batch, norm + 0.01 * o, order=str(o)) for o in range(3)]
    frame = pd.DataFrame(rows)
    for (label, column), value in (changes or {}).items():
        frame.loc[frame["label"] == label, column] = value
    return frame


def verdicts(final: pd.DataFrame) -> dict[str, object]:
    claims = synthetic_claims(final, ZERO)
    names = ("plateau", "ordering", "weight decay", "loss", "diverged")
    return {name: c.passed for name, c in zip(names, claims)}


def test_the_paper_like_run_passes_every_row():
    claims = synthetic_claims(paper_like(), ZERO)
    assert [c.passed for c in claims] == [True] * 5
    assert "GD 3.600 > SGD-512 3.250 > SGD-32 2.320 > SGD-1 1.530" in claims[1].measured
    assert all(c.measured for c in claims)


def test_gd_still_falling_fails_the_plateau():
    half = 3.60 / (1 - 2 * PLATEAU_MAX_CHANGE)  # a 4% fall over the last half
    assert verdicts(paper_like({("GD", "half_irrelevant_norm"): half}))["plateau"] is False


def test_an_inverted_pair_fails_the_ordering():
    frame = paper_like({("SGD-32", "final_irrelevant_norm"): 3.5})
    claims = synthetic_claims(frame, ZERO)
    assert claims[1].passed is False and "NOT ordered" in claims[1].measured


def test_ordering_must_hold_at_every_lr():
    other = paper_like().assign(lr="0.5")
    other.loc[other["label"] == "SGD-1", "final_irrelevant_norm"] = 9.0
    assert verdicts(pd.concat([paper_like(), other]))["ordering"] is False


def test_weight_decay_above_one_percent_fails():
    assert verdicts(paper_like({("GD+wd", "final_irrelevant_norm"): 0.05}))["weight decay"] is False


def test_loss_comparison_is_relative_to_the_zero_predictor():
    ok = 0.03 + 0.9 * LOSS_MAX_EXCESS * ZERO["lin"]
    bad = 0.03 + 1.1 * LOSS_MAX_EXCESS * ZERO["lin"]
    assert verdicts(paper_like({("SGD-1", "late_loss_q50"): ok}))["loss"] is True
    assert verdicts(paper_like({("SGD-1", "late_loss_q50"): bad}))["loss"] is False


def test_diverged_runs_are_counted_and_left_out():
    frame = paper_like()
    frame.loc[(frame["label"] == "SGD-1") & (frame["order"] == "2"), ["status", "final_irrelevant_norm"]] = [
        "diverged",
        1e9,
    ]
    claims = synthetic_claims(frame, ZERO)
    assert claims[1].passed is True  # the median of the two completed SGD-1 runs is still the smallest
    assert claims[-1].passed is False and claims[-1].measured.startswith("1 of 11 runs diverged")


def test_all_runs_of_a_batch_diverged_leaves_the_ordering_undecided():
    frame = paper_like()
    frame.loc[frame["label"] == "SGD-1", "status"] = "diverged"
    claims = synthetic_claims(frame, ZERO)
    assert claims[1].passed is None and "SGD-1" in claims[1].measured


def test_missing_optimizers_are_undecided_not_passed():
    frame = paper_like()
    frame = frame[frame["kind"] == "sgd"]
    result = verdicts(frame)
    assert result["plateau"] is None and result["weight decay"] is None and result["loss"] is None


@pytest.mark.parametrize("sign", [1, -1])
def test_plateau_change_is_two_sided(sign):
    half = 3.60 * (1 + sign * 3 * PLATEAU_MAX_CHANGE)
    assert verdicts(paper_like({("GD", "half_irrelevant_norm"): half}))["plateau"] is False


def test_every_row_names_location_and_scope_and_a_fail_says_why():
    frame = paper_like({("SGD-32", "final_irrelevant_norm"): 3.5, ("SGD-1", "late_loss_q50"): 1.0})
    frame.loc[frame["label"] == "SGD-1", ["late_loss_q10", "late_loss_q90"]] = [0.8, 1.2]
    claims = synthetic_claims(frame, ZERO)
    assert all(c.location and c.scope for c in claims)
    assert [c.scope for c in claims] == ["linear networks"] * 4 + ["pipeline"]
    ordering, loss = claims[1], claims[3]
    assert (
        ordering.passed is False
        and "SGD-32 [3.500, 3.500] not below SGD-512 [3.240, 3.260] (ranges apart); "
        "T/2 -> T: SGD-32 2.320 -> 3.500, SGD-512 3.250 -> 3.250"
        in ordering.why
    )
    assert loss.passed is False and "stays above GD's" in loss.why and "0.8-1.2" in loss.why
    assert "within 2%: SGD-512, SGD-32" in loss.why
    assert all(c.why == "" for c in claims if c.passed)


def relu_like(halved: dict[str, int]) -> pd.DataFrame:
    """A ReLU group: the linear claims fail (GD still moving), rows counted per run."""
    frame = paper_like({("GD", "half_irrelevant_norm"): 3.0}).assign(activation="relu", experiment="E5")
    frame["n_rows"], frame["rows_grown"] = 15, 2
    frame["rows_halved"] = frame["label"].map(halved).fillna(0).astype(int)
    return frame


def test_relu_runs_keep_the_linear_rows_as_not_claimed_and_decide_the_row_claims():
    claims = synthetic_claims(relu_like({"GD": 0, "SGD-512": 2, "SGD-32": 5, "SGD-1": 9}), ZERO)
    plateau, ordering, wd, loss, some, more, _ = claims
    assert plateau.passed is False and not is_claimed(plateau.scope) and not is_claimed(ordering.scope)
    assert "some rows of W1[:, r:] shrink" in plateau.why
    assert is_claimed(wd.scope) and wd.scope == "ReLU networks" and "Proposition 3" in wd.location
    assert some.passed is True and more.passed is True and "Fig. 16" in more.location
    assert "SGD-1 9 halved / 2 grown of 15" in some.measured


def test_relu_row_claims_fail_with_their_reason():
    some, more = synthetic_claims(relu_like({"GD": 3, "SGD-512": 0, "SGD-32": 5, "SGD-1": 4}), ZERO)[4:6]
    assert (
        some.passed is False
        and "SGD-512 halves no row" in some.why
        and "mean(y^2) lr 0.1: GD 0.006, SGD-512 0.006" in some.why
    )
    assert more.passed is False and "GD 3 -> SGD-512 0 -> SGD-32 5 -> SGD-1 4" in more.why


def test_weight_decay_and_loss_fails_say_what_the_run_shows():
    frame = paper_like({("GD+wd", "final_irrelevant_norm"): 2.0, ("GD+wd", "half_irrelevant_norm"): 2.01})
    frame.loc[frame["label"] == "SGD-512", ["late_loss_q10", "late_loss_q50", "late_loss_q90"]] = [
        0.001,
        0.002,
        0.003,
    ]
    frame.loc[frame["label"] == "SGD-512", "late_loss_q50"] = -0.2  # 4.6% of mean(y^2) below GD
    claims = synthetic_claims(frame, ZERO)
    assert "stationary over the last half (T/2 -> T: 2.01 -> 2)" in claims[2].why
    assert "SGD-512 fits better than GD (0.03)" in claims[3].why

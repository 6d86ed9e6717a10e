"""E13 through the real workflow on the tiny config's runs (GD, GD+wd, SGD of a linear
network on synthetic data): the rules pick the runs by their properties, write the
table, the claims (Prop. 7 and Prop. 9 decided, the rows without runs not) and the
figures of the panels the runs make."""

import pandas as pd
import pytest
from conftest import run_snakemake, tiny_config

from sgd_support.experiments.theory import targets as theory

pytestmark = pytest.mark.slow


def test_e13_from_the_tiny_sweep(tmp_path):
    targets = [
        theory.OPTIMIZER_CLAIMS,
        *(theory.OPTIMIZER_FIGURE.format(panel=p) for p in ("increasing_steps", "weight_decay")),
    ]
    run_snakemake(tmp_path, tiny_config(), *targets)
    claims = pd.read_parquet(tmp_path / theory.OPTIMIZER_CLAIMS)
    assert set(claims.experiment) == {"E13"} and len(claims) == 11
    decided = claims.passed.notna().tolist()
    assert decided == [True, True, True] + [False] * 8, claims.measured.tolist()
    assert all(claims.why[~claims.passed.notna()].str.startswith("the config lacks the runs"))
    failed = claims[claims.passed.eq(False)]
    assert (failed.why.str.len() > 0).all()  # every FAIL gives its reason
    table = pd.read_csv(tmp_path / theory.OPTIMIZER_TABLE, sep="\t")
    # every step of the dense record (0..20) compared, for GD and each of the two SGD batch sizes
    steps = table[(table.row == "Prop. 7 monotone") & (table.statistic == "steps compared")]
    assert sorted(steps.setting) == ["GD", "SGD-1", "SGD-16"] and set(steps.value) == {20.0, 40.0}
    for path in targets[1:]:
        assert (tmp_path / path).stat().st_size > 10_000

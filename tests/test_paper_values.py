"""The paper's reference values: which runs they apply to, and the paper-vs-run table."""

import copy

import pandas as pd
from conftest import REPO

from sgd_support.experiments.synthetic.paper_comparison import comparison, comparison_rst
from sgd_support.experiments.synthetic.paper_values import TABLES, reference
from sgd_support.sweep.config_check import load_config

# the blocks rule plot_norm_curves hands over, from the default config as the workflow sees it
SETUP = {k: v for k, v in load_config(REPO / "config.yaml").items() if k != "sweeps"}


def test_reference_applies_to_the_default_runs_only():
    assert reference(SETUP, "linear", "linear3x15", "sgd", "SGD-32", 0.1, "0") == TABLES["linear"]["SGD-32"]
    assert reference(SETUP, "sine", "linear3x15", "gd_wd", "GD+wd", 0.1, "0") == TABLES["sine"]["GD+wd"]
    assert reference(SETUP, "linear", "linear3x15", "sgd", "SGD-32", 0.2, "0") == {}  # other lr
    assert reference(SETUP, "linear", "linear3x15", "sgd", "SGD-32", 0.1, "1") == {}  # other init seed
    assert reference(SETUP, "digits", "digits_mlp", "digits_sgd", "SGD-32", 2.0, "0") == {}
    relu = copy.deepcopy(SETUP)
    relu["models"]["linear3x15"]["activation"] = "relu"
    assert reference(relu, "linear", "linear3x15", "sgd", "SGD-32", 0.1, "0") == {}
    unclipped = copy.deepcopy(SETUP)
    unclipped["training"]["clip_grad_norm"] = None
    assert reference(unclipped, "linear", "linear3x15", "gd", "GD", 0.1, "0") == {}


def _quantiles(label, optimizer, steps, values):
    return pd.DataFrame(
        {
            "dataset": "sine",
            "model": "linear3x15",
            "optimizer": optimizer,
            "lr": 0.1,
            "init": "0",
            "label": label,
            "step": steps,
            "irrelevant_norm_q10": [v - 0.01 for v in values],
            "irrelevant_norm_q50": values,
            "irrelevant_norm_q90": [v + 0.01 for v in values],
        }
    )


def test_comparison_takes_the_nearest_recorded_step_and_skips_unreached_ones():
    q = pd.concat(
        [
            _quantiles("SGD-1", "sgd", [1000, 5012, 9989, 12000], [3.9, 2.9, 2.0, 1.8]),
            _quantiles("SGD-7", "sgd", [1000, 5000], [4.0, 3.0]),  # no paper table for b = 7
        ]
    )
    table = comparison(q, SETUP)
    assert table["step"].tolist() == [1000, 5000, 10000]  # 20k not reached
    assert table["recorded_step"].tolist() == [1000, 5012, 9989]
    row = table.iloc[2]
    assert (row["paper_low"], row["paper_high"]) == (2.01, 2.11)
    assert abs(row["difference"] - (2.0 - 2.06)) < 1e-12  # float64 of the same subtraction: 0 measured
    text = comparison_rst(table)
    assert "2.01-2.11" in text and "2 [1.99, 2.01] (step 9989)" in text and "-0.06" in text
    assert "authors' code, re-run" in text  # what the reference values are, not "paper"
    assert comparison_rst(table.iloc[:0]) == ""
    one_run = table.assign(q10=table["median"], q90=table["median"])  # GD: one run, no spread
    assert "2 (step 9989)" in comparison_rst(one_run)

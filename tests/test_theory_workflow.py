"""E12 through the real workflow: diagonal networks and App. J's network trained as
ordinary sweep runs (grouped), then the rows, the table and the figures, each row
decided or saying which runs the config lacks."""

import pandas as pd
import pytest
from conftest import run_snakemake, tiny_config

pytestmark = pytest.mark.slow

NO_CLIP = {"clip_grad_norm": None}
DIAGONAL = {"structure": "diagonal", "depth": 2, "activation": "identity", "init": "normal"}


def theory_config():
    sine = {"kind": "synthetic", "target": "sine", "n": 300, "d": 6, "r": 2, "noise": 0.001, "seed": 0}
    return tiny_config(
        training={"engine": "auto", "group": "cell"},
        recording={"dense_until": 20, "per_decade": 20, "snapshots": [], "param_columns": 42},
        datasets={
            "lin": {
                "kind": "synthetic",
                "target": "linear",
                "n": 100,
                "d": 8,
                "r": 2,
                "noise": 0.001,
                "seed": 0,
            },
            "sine": sine,
            "appj": {"kind": "relu_counterexample", "n": 50, "d": 3, "seed": 0},
        },
        models={
            "diag2": DIAGONAL,
            "appj_net": {
                "widths": [3],
                "activation": "relu",
                "init": "values",
                "values": [[[-1.1, 0.05, -0.05], [0.9, -0.5, 0.5], [1.2, 0.5, -0.5]], [[-0.9, 0.6, 0.4]]],
            },
        },
        optimizers={
            "gd": {"batch": "full", "steps": 600, **NO_CLIP},
            "sgd": {"batches": [1, 2], "steps": 600, **NO_CLIP},
            "sgd_wr": {"batches": [1, 2], "steps": 600, "sampling": "with_replacement", **NO_CLIP},
        },
        sweeps={
            "prop1": {
                "datasets": ["lin"],
                "models": ["diag2"],
                "optimizers": ["gd"],
                "lrs": [0.05],
                "init_seeds": [0, 1],
            },
            "theorem2": {
                "datasets": ["sine"],
                "models": ["diag2"],
                "optimizers": ["gd", "sgd", "sgd_wr"],
                "lrs": [0.05, 0.1],
                "init_seeds": [0],
                "order_seeds": [0],
            },
            "appj": {
                "datasets": ["appj"],
                "models": ["appj_net"],
                "optimizers": ["gd"],
                "lrs": [0.1],
                "init_seeds": [0],
            },
        },
    )


def test_theory_sweep_makes_rows_table_and_figures(tmp_path):
    run_snakemake(tmp_path, theory_config())
    claims = pd.read_parquet(tmp_path / "results" / "claims" / "theory_diagonal.parquet")
    assert set(claims.experiment) == {"E12"} and len(claims) == 6
    linear, relu, prop2, time, replacement, prop6 = (claims.iloc[i] for i in range(6))
    assert linear.passed in (True, False) and "depth 2: 2 runs" in linear.measured  # decided
    assert relu.passed is None and "the config lacks the runs" in relu.why  # no ReLU diagonal model
    assert prop2.passed in (True, False) and "R^2 =" in prop2.measured
    assert time.passed in (True, False, None)  # 600 steps may leave weights above 0.1: then undecided
    assert replacement.passed in (True, False, None)
    assert prop6.passed is True, prop6.measured  # GD from near App. J's family fits and keeps W1[:, 1:]
    table = pd.read_csv(tmp_path / "results" / "theory" / "diagonal" / "table.tsv", sep="\t")
    assert {"prop1", "prop2", "prop6", "data"} <= set(table.row)
    for name in ("layers", "first_layer", "time", "counterexample"):
        assert (tmp_path / "results" / "theory" / "diagonal" / f"{name}.png").stat().st_size > 10_000

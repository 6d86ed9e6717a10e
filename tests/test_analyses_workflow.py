"""The analysis rules on a tiny sweep: with 2 init seeds (E11 decided) and with one
(E11 not decidable), both ending in tables, figures, claims and a report."""

import pandas as pd
import pytest
from conftest import run_snakemake, tiny_config

pytestmark = pytest.mark.slow

OUTPUTS = [
    "results/analyses/e11_init_dependence.parquet",
    "results/analyses/e11_init_dependence.html",
    "results/analyses/e11_init_dependence.png",
    "results/analyses/e11_summary.rst",
    "results/analyses/e10_rates.parquet",
    "results/analyses/e10_slopes.parquet",
    "results/analyses/e10_decay_rate.html",
    "results/analyses/e10_rate_vs_lr_over_b.png",
    "results/analyses/e10_summary.rst",
    "results/analyses/e10_theorem1.png",
    "results/analyses/e10_theorem1.html",
    "results/analyses/e10_theorem1_cells.parquet",
]


def _config(init_seeds):
    config = tiny_config()
    config["optimizers"] = {"gd": {"batch": "full", "steps": 1000}, "sgd": {"steps": 1000}}
    config["sweeps"]["tiny"].update(
        optimizers=["gd", "sgd"], lrs=[0.1, 0.3], batches=[1, 16], init_seeds=init_seeds, order_seeds=[0]
    )
    # Theorem 1 per step from GD's step-100 weights (400 rows: 5 steps of b 16 fit in an epoch)
    config["theorem1"] = {
        "snapshots": [100],
        "lrs": [0.005, 0.01],
        "batches": [4, 16],
        "steps": 5,
        "orders": 20,
    }
    return config


def test_analyses_with_two_init_seeds(tmp_path):
    run_snakemake(tmp_path, _config([0, 1]))
    for path in OUTPUTS:
        assert (tmp_path / path).stat().st_size > 0, path
    table = pd.read_parquet(tmp_path / "results/analyses/e11_init_dependence.parquet")
    assert len(table) == 6  # (gd + sgd x 2 batch sizes) x 2 lrs
    assert (table["n_inits"] == 2).all() and table["gram_agreement"].notna().all()
    claims = pd.read_parquet(tmp_path / "results/claims/e11_init_dependence.parquet")
    assert len(claims) == 4 and claims["passed"].notna().all()
    rates = pd.read_parquet(tmp_path / "results/analyses/e10_rates.parquet")
    assert len(rates) == 12 and rates["r2"].notna().any()
    e10 = pd.read_parquet(tmp_path / "results/claims/e10_theorem1_rate.parquet")
    assert len(e10) == 2 and ("slope" in e10["measured"][0] or "lr/b" in e10["measured"][0])
    per_step = pd.read_parquet(tmp_path / "results/claims/e10_theorem1_per_step.parquet")
    # the whole network's row and the W~-frozen row (theorem1_first_layer)
    assert len(per_step) == 2 and per_step["passed"].notna().all() and "alpha" in per_step["measured"][0]
    assert (
        per_step["location"].str.startswith("Theorem 1, App. K").all()
        and (per_step["scope"] == "linear networks").all()
    )
    assert "W~ frozen" in per_step["claim"][1]
    frozen = pd.read_parquet(tmp_path / "results/analyses/e10_theorem1_first_layer.parquet")
    assert len(frozen) == 6 and frozen["ratio"].notna().all()  # 3 eta*a (the schema default) x 2 batch sizes
    cells = pd.read_parquet(tmp_path / "results/analyses/e10_theorem1_cells.parquet")
    assert len(cells) == 4 and cells["excess_per_step"].notna().all()  # 2 lrs x 2 batch sizes
    # the report renders, captions included with this run's numbers
    run_snakemake(tmp_path, _config([0, 1]), "--report", "report.html")
    html = (tmp_path / "report.html").read_text()
    assert "E11 init dependence" in html and "E10 Theorem 1 rate" in html


def test_analyses_without_enough_init_seeds_are_not_decided(tmp_path):
    config = _config([0])
    config["sweeps"]["tiny"]["lrs"] = [0.1]
    config["sweeps"]["tiny"]["batches"] = [16]
    run_snakemake(tmp_path, config)
    for path in OUTPUTS:
        assert (tmp_path / path).exists(), path
    for table in ("e11_init_dependence", "e10_theorem1_rate"):
        claims = pd.read_parquet(tmp_path / f"results/claims/{table}.parquet")
        assert claims["passed"].isna().all(), claims
    summary = (tmp_path / "results/analyses/e11_summary.rst").read_text()
    assert "not decidable" in summary

"""The image rules on real workflows: the default config's bundled-MNIST experiment
(E7, E8) and config/mnist.yaml on generated MNIST IDX files, both at a few hundred steps."""

import pandas as pd
import pytest
import yaml
from conftest import REPO, run_snakemake
from image_files import write_mnist

from sgd_support.reporting.claims import read_claims

pytestmark = pytest.mark.slow


def _load(name: str) -> dict:
    return yaml.safe_load((REPO / name).read_text())


def _shorten(config: dict, steps: int = 300) -> dict:
    for opt in config["optimizers"].values():
        opt["steps"] = min(opt["steps"], steps)
    config["recording"] = {"dense_until": 20, "per_decade": 10, "snapshots": []}
    return config


def _check_e7(workdir, dataset, model, runs):
    e7 = workdir / f"results/figures/e7/dataset={dataset}/model={model}"
    for name in ("eigen_histograms.png", "focus_maps.png", "focus_shares.png"):
        assert (e7 / name).stat().st_size > 0
    assert "<table" in (e7 / "metrics.html").read_text()
    table = pd.read_csv(e7 / "metrics.tsv", sep="\t")
    assert list(table["run"]) == ["init", *runs]
    assert table["test_accuracy"].notna().all()
    claims = read_claims([workdir / f"results/claims/e7/dataset={dataset}/model={model}.parquet"])
    assert list(claims["experiment"]) == ["E7"] * 3  # Proposition 5, focus over SGD, focus with GD
    assert claims["location"].str.len().gt(0).all() and claims["scope"].str.startswith("images").all()
    prop5 = claims.iloc[0]
    assert "Proposition 5" in prop5["claim"] and prop5["passed"] in (True,)  # exact, whatever the step count
    wd = table.set_index("run").loc["GD+wd", "never_lit_max_change"]
    assert wd > 0  # weight decay moves them: the check can fail
    return table, claims


def test_default_config_bundled_mnist_experiment(tmp_path):
    config = _load("config.yaml")
    config["sweeps"] = {"mnist5k": {**config["sweeps"]["mnist5k"], "order_seeds": [0, 1]}}
    run_snakemake(tmp_path, _shorten(config, steps=100))
    table, claims = _check_e7(tmp_path, "mnist5k", "mnist5k_mlp", ["GD", "SGD-512", "SGD-32", "GD+wd"])
    assert table.set_index("run").loc["SGD-32", "test_accuracy"] > 0.5  # chance: 0.1
    focus = claims.iloc[1]
    assert focus["passed"] in (True, False) and "b=32: " in focus["measured"] and "(2)" in focus["measured"]
    assert "128 of 784 pixels never lit" in claims.iloc[0]["measured"]
    e8 = tmp_path / "results/figures/e8/dataset=mnist5k"
    spectrum = pd.read_csv(e8 / "eigenvalues.tsv", sep="\t")
    assert len(spectrum) == 784 and spectrum["eigenvalue"].is_monotonic_decreasing
    assert (e8 / "covariance.png").exists() and (e8 / "spectrum.png").exists()
    # the report renders the image sections with their captions
    run_snakemake(tmp_path, _shorten(config), "--report", str(tmp_path / "report.html"))
    html = (tmp_path / "report.html").read_text()
    assert "E7 MNIST/digits" in html and "E8 data spectra" in html


def test_mnist_config_on_generated_idx_files(tmp_path):
    root = write_mnist(tmp_path / "data", n_train=120, n_test=40)
    config = _shorten(_load("config/mnist.yaml"), steps=200)
    config["datasets"]["mnist"].update(root=str(root), download=False)
    config["models"]["mnist_mlp"]["widths"] = [32, 8]
    config["sweeps"]["mnist"]["batches"] = [8, 32]  # 120 images: no batch of 2,048
    config["sweeps"]["mnist"]["order_seeds"] = [0, 1]
    proc = run_snakemake(tmp_path / "work", config, "-n")
    # 784-32-8-10 (25k weights, MSE) trains on numba: no GPU request (tests/test_placement.py)
    assert "train_run_gpu" not in proc.stdout and "gpu=1" not in proc.stdout
    run_snakemake(tmp_path / "work", config)
    table, _ = _check_e7(tmp_path / "work", "mnist", "mnist_mlp", ["GD", "SGD-32", "SGD-8", "GD+wd"])
    assert len(table) == 5
    spectrum = pd.read_csv(tmp_path / "work/results/figures/e8/dataset=mnist/eigenvalues.tsv", sep="\t")
    assert len(spectrum) == 784


def test_missing_mnist_root_fails_before_any_job_naming_the_key(tmp_path):
    # config validation rejects it at parse time (the builder's own error for the
    # same case is covered in test_image_data.py)
    config = _shorten(_load("config/mnist.yaml"))
    config["datasets"]["mnist"].update(root=str(tmp_path / "nowhere"), download=False)
    proc = run_snakemake(tmp_path, config, check=False)
    assert proc.returncode != 0
    assert "datasets.mnist.root" in proc.stderr and "download" in proc.stderr
    assert not (tmp_path / "results").exists()

"""config/cifar10.yaml's whole DAG on generated CIFAR10 files and a randomly
initialised ResNet18 saved as a TEST-ONLY weights file."""

import pandas as pd
import pytest
import torch
import yaml
from conftest import REPO, run_snakemake
from image_files import write_cifar

from sgd_support.core.backbone import resnet18
from sgd_support.reporting.claims import read_claims

pytestmark = pytest.mark.slow


def _config(tmp_path, weights):
    config = yaml.safe_load((REPO / "config/cifar10.yaml").read_text())
    root = write_cifar(tmp_path / "data", n_train=60, n_test=20)
    config["datasets"]["cifar10"].update(root=str(root), download=False, checksum=False)
    config["datasets"]["cifar10_resnet18"]["weights"] = str(weights)
    config["models"]["head"]["widths"] = [16, 8]
    for opt in config["optimizers"].values():
        opt["steps"] = 150
    config["optimizers"]["head_gold"]["batches"] = [8]
    config["sweeps"]["head"]["batches"] = [4, 30]  # 60 images: no batch of 2,048
    config["recording"] = {"dense_until": 20, "per_decade": 10, "snapshots": []}
    return config


def test_cifar10_config_runs_end_to_end(tmp_path):
    torch.manual_seed(0)
    weights = tmp_path / "resnet18-random-TEST-ONLY.pt"  # random init, NOT a trained backbone
    torch.save(resnet18("cifar").state_dict(), weights)
    config = _config(tmp_path, weights)
    work = tmp_path / "work"
    proc = run_snakemake(work, config, "-n")
    jobs = dict(
        line.split()[:2]
        for line in proc.stdout.splitlines()
        if len(line.split()) == 2 and line.split()[1].isdigit()
    )
    # the features are extracted once and read by all three head jobs
    assert jobs["extract_features"] == "1" and jobs["train_run_gpu"] == "3"
    assert jobs["make_dataset"] == "1"  # the CIFAR10 images only
    run_snakemake(work, config)
    e9 = work / "results/figures/e9/dataset=cifar10_resnet18/model=head"
    for name in ("eigen_histograms.png", "svd_gram.png", "metrics.html"):
        assert (e9 / name).stat().st_size > 0
    table = pd.read_csv(e9 / "metrics.tsv", sep="\t")
    assert list(table["run"]) == ["init", "SGD-30", "SGD-4", "SGD-8+wd"]
    assert table["test_accuracy"].notna().all() and (table["eigenvalues_above"] <= 512).all()
    claims = read_claims([work / "results/claims/e9/dataset=cifar10_resnet18/model=head.parquet"])
    assert list(claims["experiment"]) == ["E9"] and "gold" in claims.iloc[0]["claim"]
    assert (work / "results/figures/e8/dataset=cifar10/spectrum.png").exists()  # E8 on the images
    assert (work / "results/benchmarks/features/dataset=cifar10_resnet18.tsv").exists()
    # a head job's data set is the feature cache, 512 columns
    run_snakemake(work, config, "--report", str(work / "report.html"))
    assert "E9 CIFAR10 head" in (work / "report.html").read_text()


def test_missing_weights_file_fails_naming_the_key(tmp_path):
    config = _config(tmp_path, tmp_path / "missing.pt")
    proc = run_snakemake(tmp_path / "work", config, check=False)
    assert proc.returncode != 0
    # rejected at parse time by config validation, naming the key and the file
    assert "datasets.cifar10_resnet18.weights" in proc.stderr and "missing.pt" in proc.stderr

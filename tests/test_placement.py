"""GPU requests follow the engine: only runs the torch engine trains on an image or
features data set ask for a GPU (sgd_support.sweep.placement)."""

import pytest
from specs import with_defaults

from sgd_support.sweep.placement import gpu_datasets, model_weights, run_uses_gpu


def config(engine="auto", loss="mse"):
    """A config with the schema's defaults filled in, as the workflow hands it over."""
    return with_defaults(
        {
            "datasets": {
                "lin": {"kind": "synthetic", "d": 15, "r": 5, "n": 100, "target": "linear"},
                "digits": {"kind": "digits"},
                "mnist5k": {"kind": "mnist_bundled"},
                "c10": {"kind": "cifar10", "root": "x"},
                "feat": {"kind": "resnet18_features", "source": "c10"},
            },
            "models": {
                "small": {
                    "widths": [64, 32],
                    "activation": "relu",
                },  # 6,464 weights on digits: numba
                "wide": {
                    "widths": [128, 32],
                    "activation": "relu",
                },  # 105,728 on MNIST: torch
            },
            "optimizers": {"sgd": {"steps": 10}},
            "training": {"engine": engine, "loss": loss},
            "recording": {"dense_until": 10, "per_decade": 0},
            "sweeps": {
                "s": {
                    "datasets": ["lin"],
                    "models": ["small"],
                    "optimizers": ["sgd"],
                    "lrs": [0.1],
                    "init_seeds": [0],
                }
            },
        }
    )


def run(dataset, model):
    return {
        "dataset": dataset,
        "model": model,
        "optimizer": "sgd",
        "lr": "0.1",
        "batch": "32",
        "init": "0",
        "order": "0",
    }


def test_model_weights_use_the_kinds_input_and_output_sizes():
    cfg = config()
    assert model_weights(cfg, "digits", "small") == 64 * 64 + 64 * 32 + 32 * 10
    assert model_weights(cfg, "mnist5k", "wide") == 784 * 128 + 128 * 32 + 32 * 10
    assert model_weights(cfg, "feat", "small") == 512 * 64 + 64 * 32 + 32 * 10
    assert model_weights(cfg, "lin", "small") == 15 * 64 + 64 * 32 + 32


@pytest.mark.parametrize(
    "dataset, model, engine, loss, gpu",
    [
        (
            "digits",
            "small",
            "auto",
            "mse",
            False,
        ),  # numba: CPU only, though digits is an image kind
        ("mnist5k", "wide", "auto", "mse", True),  # too large for numba: torch
        ("digits", "small", "torch", "mse", True),  # torch forced
        (
            "digits",
            "small",
            "auto",
            "cross_entropy",
            True,
        ),  # numba has no cross-entropy
        ("lin", "wide", "torch", "mse", False),  # synthetic data: not a GPU kind
        (
            "feat",
            "small",
            "auto",
            "mse",
            False,
        ),  # a 35k-weight MSE head on features: numba
        ("feat", "wide", "auto", "mse", True),  # 70k weights: torch
    ],
)
def test_gpu_only_where_the_engine_uses_one(dataset, model, engine, loss, gpu):
    assert run_uses_gpu(config(engine, loss), run(dataset, model)) is gpu


def test_gpu_datasets_are_those_with_a_gpu_run():
    runs = [run("digits", "small"), run("mnist5k", "wide"), run("lin", "small")]
    assert gpu_datasets(config(), runs) == {"mnist5k"}


@pytest.mark.slow
def test_default_config_under_the_slurm_profile_requests_gpus_only_for_gpu_engine_runs(
    tmp_path,
):
    """The default config plus a digits sweep (an image kind on the numba engine): in the
    dry run of `--profile slurm`, exactly the torch runs on image data ask for a GPU."""
    import re
    import subprocess

    import yaml
    from conftest import REPO, snakemake_command

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["datasets"]["digits"] = {"kind": "digits"}
    config["models"]["digits_mlp"] = {"widths": [64, 32], "activation": "relu"}
    config["sweeps"]["digits"] = {
        "datasets": ["digits"],
        "models": ["digits_mlp"],
        "optimizers": ["sgd"],
        "lrs": [0.1],
        "batches": [32],
        "init_seeds": [0],
        "order_seeds": [0],
    }
    cmd, env = snakemake_command(tmp_path, config, "--dry-run")
    cmd = [c for c in cmd if c not in ("--cores", "2")] + [
        "--profile",
        str(REPO / "slurm"),
    ]
    env = {k: v for k, v in env.items() if not k.startswith(("SGD_SLURM_", "SLURM_"))}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-4000:]
    jobs = re.findall(
        r"rule (train_run\w*):\n(?:.*\n)*?\s+wildcards: (.*)\n\s+resources: (.*)\n",
        proc.stdout,
    )
    by_dataset = {}
    for rule, wildcards, resources in jobs:
        dataset = re.search(r"dataset=(\w+)", wildcards).group(1)
        by_dataset.setdefault(dataset, set()).add((rule, "gpu=1" in resources))
    assert by_dataset["mnist5k"] == {("train_run_gpu", True)}  # 784-128-32-10: torch
    assert by_dataset["digits"] == {
        ("train_run", False)
    }  # numba, CPU only: no GPU, bundled with the CPU runs
    assert by_dataset["linear"] == {("train_run", False)}
    assert len(jobs) == proc.stdout.count("rule train_run")  # the pattern read every training job

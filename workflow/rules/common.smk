# Helpers shared by the rules: the sweep's runs and each job's parameters, from
# the sgd_support package (which the jobs import too, through PYTHONPATH).
import json
import os
import sys

SRC = os.path.join(workflow.basedir, "src")
sys.path.insert(0, SRC)
# Jobs import the package from this checkout, whatever is installed (cluster jobs
# re-read this file, so they get it too). Any PYTHONPATH of the caller is replaced.
os.environ.update(PYTHONPATH=SRC)

from sgd_support.config import expand_runs, run_spec
from sgd_support.data.registry import GPU_KINDS
from sgd_support.provenance import code_hash

# Editing package code does not rerun jobs by itself: results depend on it, so the
# rules carry its hash in their params and Snakemake reruns them when it changes.
CODE = code_hash()
RUN_DIR = "results/runs/dataset={dataset}/model={model}/optimizer={optimizer}/lr={lr}/batch={batch}/init={init}/order={order}"
RUNS = expand_runs(config)
# Rule files append to these: files the report's claims checklist collects (each
# written with sgd_support.claims.write_claims), and the targets of `rule all`
# beyond the training runs (figures, tables, the checklist).
CLAIM_TABLES = []
REPORT_TARGETS = []


wildcard_constraints:
    dataset=r"[A-Za-z0-9_\-]+",
    model=r"[A-Za-z0-9_\-]+",
    optimizer=r"[A-Za-z0-9_\-]+",
    lr=r"[0-9.eE+\-]+",
    batch=r"full|[0-9]+",
    init=r"[0-9]+",
    order=r"[0-9]+",


def run_outputs(name="trajectory.parquet", runs=None):
    """Output paths of ``name`` for every run (default: all runs of the config)."""
    return [
        f"{RUN_DIR}/{name}".format(**run) for run in (RUNS if runs is None else runs)
    ]


def dataset_runs(wildcards):
    """Trajectories of every run on the data set ``wildcards.dataset``."""
    return run_outputs(
        runs=[run for run in RUNS if run["dataset"] == wildcards.dataset]
    )


def dataset_json(wildcards):
    return json.dumps(config["datasets"][wildcards.dataset], sort_keys=True)


def model_json(wildcards):
    return json.dumps(config["models"][wildcards.model], sort_keys=True)


def run_json(wildcards):
    """The training CLI's --run argument: the spec and the resolved config."""
    run = {
        key: wildcards[key]
        for key in ("dataset", "model", "optimizer", "lr", "batch", "init", "order")
    }
    spec = run_spec(config, run)
    resolved = {
        "run": run,
        "dataset": config["datasets"][run["dataset"]],
        "model": config["models"][run["model"]],
        "optimizer": config["optimizers"][run["optimizer"]],
        "training": config["training"],
        "recording": config["recording"],
    }
    return json.dumps({"spec": spec.__dict__, "config": resolved}, sort_keys=True)


def run_gpus(wildcards):
    """GPUs a training job asks for: 1 for data set kinds that benefit from one."""
    return int(config["datasets"][wildcards.dataset]["kind"] in GPU_KINDS)

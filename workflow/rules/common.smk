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

from sgd_support.config import expand_runs, run_spec, train_groups
from sgd_support.sweep.cost import run_cost, slurm_mem_mb, slurm_runtime_min
from sgd_support.data.registry import FEATURE_KINDS
from sgd_support.sweep.placement import gpu_datasets, run_uses_gpu
from sgd_support.provenance import TRAINING_CODE, code_hash
from sgd_support.reporting.run_paths import RUN_DIR, RUN_PARTS
from sgd_support.sweep.validation import check_config, check_config_files
from sgd_support.sweep.targets import (
    aggregate_files,
    all_targets,
    dataset_files,
    dataset_runs,
    datasets_of,
    names_pattern,
    pair_runs,
    pairs,
    run_datasets,
    run_files,
    seed_runs,
)
from sgd_support.experiments.head.targets import figure_runs
from sgd_support.experiments.synthetic.targets import (
    figure_category,
    group_runs,
    synthetic_pairs,
    synthetic_runs,
)
from sgd_support.experiments.toy.targets import landscapes, point_runs, points, toy_runs
from sgd_support.experiments.analyses.theorem1 import start_runs

# YAML merges a key given twice (the last wins): re-read the config files strictly.
check_config_files(workflow.configfiles)
# Semantic checks the schema cannot express (names, batch vs data size, files): one
# clear error naming the key, before any job and before the runs are expanded.
check_config(config)

# Editing package code does not rerun jobs by itself: results depend on it, so the
# rules carry its hash in their params and Snakemake reruns them when it changes.
CODE = code_hash()
TRAIN_CODE = code_hash(*TRAINING_CODE)  # data sets, inits and training runs
RUNS = expand_runs(config)
# training.group: cell trains groups of runs in one job each (train_group.smk)
GROUPED = config["training"]["group"] == "cell"
# A run's checkpoint, outside the outputs so that a killed job's survives for the rerun:
# train_run's, and a group member's final state (train_group.smk; the same format)
RUN_CHECKPOINT = f"results/checkpoints/{RUN_PARTS}.npz"
# data sets with a run on a GPU engine (sgd_support.sweep.placement)
GPU_DATASETS = gpu_datasets(config, RUNS)
# What the config makes beyond its runs: the targets of `all`, the claims tables of the
# checklist (sgd_support.sweep.targets: one function per experiment family).
TARGETS = all_targets(config, RUNS)


wildcard_constraints:
    dataset=r"[A-Za-z0-9_\-]+",
    model=r"[A-Za-z0-9_\-]+",
    optimizer=r"[A-Za-z0-9_\-]+",
    lr=r"[0-9.eE+\-]+",
    batch=r"full|[0-9]+",
    init=r"[0-9]+",
    order=r"[0-9]+",


def dataset_json(wildcards):
    return json.dumps(config["datasets"][wildcards.dataset], sort_keys=True)


def model_json(wildcards):
    return json.dumps(config["models"][wildcards.model], sort_keys=True)


def run_coordinates(wildcards):
    return {
        key: wildcards[key]
        for key in ("dataset", "model", "optimizer", "lr", "batch", "init", "order")
    }


def run_json(wildcards):
    """The training CLI's --run argument: the spec and the resolved config."""
    run = run_coordinates(wildcards)
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


def train_runtime(wildcards, attempt):
    """A training job's time limit, minutes (sbatch -t): the cost model's estimate
    with a safety factor and a floor, times the attempt (a retry asks for more)."""
    return slurm_runtime_min(run_cost(config, run_coordinates(wildcards)), attempt)


def train_mem_mb(wildcards, attempt):
    """A training job's memory, MB: the cost model's estimate, likewise."""
    return slurm_mem_mb(run_cost(config, run_coordinates(wildcards)), attempt)


def run_gpus(wildcards):
    """GPUs a training job asks for: 1 if its engine uses one (sgd_support.sweep.placement)."""
    return int(run_uses_gpu(config, dict(wildcards.items())))


# Input functions: the wildcards of a job, handed to the package's selections
# (sgd_support.sweep.targets and experiments/<family>/targets.py).


def dataset_trajectories(wildcards):
    """Trajectories of every run on the data set ``wildcards.dataset``."""
    return run_files(dataset_runs(RUNS, wildcards.dataset))


def pair_trajectories(wildcards):
    """Trajectories of every run of one (dataset, model)."""
    return run_files(pair_runs(RUNS, wildcards.dataset, wildcards.model))


def seed_weights(wildcards):
    """E7: weights of a (dataset, model)'s runs from its first init seed."""
    return run_files(
        seed_runs(RUNS, wildcards.dataset, wildcards.model), "weights.parquet"
    )


def seed_trajectories(wildcards):
    return run_files(seed_runs(RUNS, wildcards.dataset, wildcards.model))


def figure_weights(wildcards):
    """E9: weights of the runs a (dataset, model) figure compares."""
    return run_files(
        figure_runs(RUNS, wildcards.dataset, wildcards.model), "weights.parquet"
    )


def figure_trajectories(wildcards):
    return run_files(figure_runs(RUNS, wildcards.dataset, wildcards.model))


def group_weights(wildcards):
    """E1-E5: weights of every run of one (dataset, model, lr, init seed)."""
    runs = group_runs(
        RUNS, wildcards.dataset, wildcards.model, wildcards.lr, wildcards.init
    )
    return run_files(runs, "weights.parquet")


def experiment_category(wildcards):
    """Report category of a (dataset, model, init) figure: its experiment (E1-E5)."""
    return figure_category(
        config, RUNS, wildcards.dataset, wildcards.model, wildcards.init
    )


def feature_source(wildcards):
    """The image data set a features data set encodes."""
    return dataset_files([config["datasets"][wildcards.dataset]["source"]])


def feature_weights(wildcards):
    """The backbone weights file as an input when it exists (edits rerun the
    extraction); a missing one is reported by the job, naming the config key."""
    weights = config["datasets"][wildcards.dataset].get("weights")
    return [weights] if weights and os.path.isfile(weights) else []


def train_datasets_pattern(gpu):
    """Regex of the data set names that are (gpu=True) or are not in GPU_DATASETS.

    Training splits on it into ``train_run`` and ``train_run_gpu``, so that a cluster
    profile can address the GPU jobs by rule name; none when groups train the runs
    (train_group.smk).
    """
    return names_pattern(
        name
        for name in config["datasets"]
        if (name in GPU_DATASETS) == gpu and not GROUPED
    )

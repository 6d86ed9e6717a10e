# Helpers shared by the rules: the sweep's runs and each job's parameters, from
# the sgd_support package (which the jobs import too, through PYTHONPATH).
import json
import os
import re
import sys

SRC = os.path.join(workflow.basedir, "src")
sys.path.insert(0, SRC)
# Jobs import the package from this checkout, whatever is installed (cluster jobs
# re-read this file, so they get it too). Any PYTHONPATH of the caller is replaced.
os.environ.update(PYTHONPATH=SRC)

from sgd_support.config import expand_runs, run_spec, train_groups
from sgd_support.sweep.cost import run_cost, slurm_mem_mb, slurm_runtime_min
from sgd_support.data.registry import FEATURE_KINDS, IMAGE_KINDS
from sgd_support.sweep.placement import gpu_datasets, run_uses_gpu
from sgd_support.provenance import TRAINING_CODE, code_hash
from sgd_support.experiments.catalog import experiment_id, experiment_title
from sgd_support.sweep.validation import check_config, check_config_files

# YAML merges a key given twice (the last wins): re-read the config files strictly.
check_config_files(workflow.configfiles)
# Semantic checks the schema cannot express (names, batch vs data size, files): one
# clear error naming the key, before any job and before the runs are expanded.
check_config(config)

# Editing package code does not rerun jobs by itself: results depend on it, so the
# rules carry its hash in their params and Snakemake reruns them when it changes.
CODE = code_hash()
TRAIN_CODE = code_hash(*TRAINING_CODE)  # data sets, inits and training runs
RUN_DIR = "results/runs/dataset={dataset}/model={model}/optimizer={optimizer}/lr={lr}/batch={batch}/init={init}/order={order}"
RUNS = expand_runs(config)
# training.group: cell trains groups of runs in one job each (train_group.smk)
GROUPED = config["training"]["group"] == "cell"
# data sets with a run on a GPU engine (sgd_support.sweep.placement)
GPU_DATASETS = gpu_datasets(config, RUNS)
# Rule files append to these: files the report's claims checklist collects (each
# written with sgd_support.reporting.claims.write_claims), and the targets of `rule all`
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


# Image and feature experiments (images.smk, features.smk): which data sets and
# runs their figures use.


def datasets_of(kinds):
    """Names of the config's data sets of the given kinds."""
    return [name for name, ds in config["datasets"].items() if ds["kind"] in kinds]


def figure_pairs(kinds):
    """(dataset, model) pairs of the sweeps that train on data sets of ``kinds``."""
    names = set(datasets_of(kinds))
    return sorted({(r["dataset"], r["model"]) for r in RUNS if r["dataset"] in names})


def seed_runs(wildcards):
    """Every run of a (dataset, model) from its first init seed, all order seeds: E7's
    claims are decided over the seeds (the figures show the first)."""
    pair = [
        r
        for r in RUNS
        if (r["dataset"], r["model"]) == (wildcards.dataset, wildcards.model)
    ]
    init = min(int(r["init"]) for r in pair)
    return [r for r in pair if int(r["init"]) == init]


def figure_runs(wildcards):
    """The runs a (dataset, model) figure compares: one per (optimizer, lr, batch),
    all from the pair's first init seed, each with its first batch-order seed."""
    chosen = {}
    for run in sorted(seed_runs(wildcards), key=lambda r: int(r["order"])):
        chosen.setdefault((run["optimizer"], run["lr"], run["batch"]), run)
    return list(chosen.values())


def seed_weights(wildcards):
    return run_outputs("weights.parquet", runs=seed_runs(wildcards))


def seed_trajectories(wildcards):
    return run_outputs("trajectory.parquet", runs=seed_runs(wildcards))


def figure_weights(wildcards):
    return run_outputs("weights.parquet", runs=figure_runs(wildcards))


def figure_trajectories(wildcards):
    return run_outputs("trajectory.parquet", runs=figure_runs(wildcards))


def feature_source(wildcards):
    """The image data set a features data set encodes."""
    return "results/data/dataset={}.npz".format(
        config["datasets"][wildcards.dataset]["source"]
    )


def feature_weights(wildcards):
    """The backbone weights file as an input when it exists (edits rerun the
    extraction); a missing one is reported by the job, naming the config key."""
    weights = config["datasets"][wildcards.dataset].get("weights")
    return [weights] if weights and os.path.isfile(weights) else []


# Aggregation, figures and report (aggregate.smk, figures.smk): which (dataset,
# model) pairs and groups of runs the sweep has, and each figure's category.
# (dataset, model) pairs of the sweep, and those of synthetic data (E1-E5).
PAIRS = sorted({(run["dataset"], run["model"]) for run in RUNS})
SYNTHETIC_PAIRS = [
    pair for pair in PAIRS if config["datasets"][pair[0]]["kind"] == "synthetic"
]


def pair_runs(wildcards):
    """Trajectories of every run of one (dataset, model)."""
    runs = [
        run
        for run in RUNS
        if run["dataset"] == wildcards.dataset and run["model"] == wildcards.model
    ]
    return run_outputs(runs=runs)


def pair_outputs(name, pairs=PAIRS):
    """results/aggregate/dataset=D/model=M/NAME for each (D, M) pair."""
    return [
        f"results/aggregate/dataset={dataset}/model={model}/{name}"
        for dataset, model in pairs
    ]


def first_init(dataset, model):
    return min(
        int(r["init"]) for r in RUNS if r["dataset"] == dataset and r["model"] == model
    )


def experiment_category(wildcards):
    """Report category of a (dataset, model, init) figure: the spec's experiment."""
    ds, model = wildcards.dataset, wildcards.model
    return experiment_title(
        experiment_id(
            config["datasets"][ds],
            config["models"][model],
            wildcards.init,
            first_init(ds, model),
        )
    )


def group_weights(wildcards):
    """weights.parquet of every run of one (dataset, model, lr, init seed)."""
    runs = [
        run
        for run in RUNS
        if (run["dataset"], run["model"], run["lr"], run["init"])
        == (wildcards.dataset, wildcards.model, wildcards.lr, wildcards.init)
    ]
    return run_outputs("weights.parquet", runs)


def synthetic_figures():
    """Every figure of the synthetic experiments this config's sweeps call for."""
    groups = sorted(
        {
            (r["dataset"], r["model"], r["lr"], r["init"])
            for r in RUNS
            if (r["dataset"], r["model"]) in SYNTHETIC_PAIRS
        }
    )
    figures = []
    for dataset, model, lr, init in groups:
        folder = f"results/figures/dataset={dataset}/model={model}"
        figures.append(f"{folder}/init={init}/irrelevant_norm.png")
        figures.append(f"{folder}/lr={lr}/init={init}/w1_gram.png")
        if len(config["models"][model]["widths"]) >= 2:  # has hidden-to-hidden layers
            figures.append(f"{folder}/lr={lr}/init={init}/deep_gram.png")
    return sorted(set(figures))


def datasets_pattern(gpu):
    """Regex of the config's data set names that are (gpu=True) or are not in GPU_DATASETS.

    Training splits on it into ``train_run`` and ``train_run_gpu``, so that a cluster
    profile can address the GPU jobs by rule name; none when groups train the runs
    (train_group.smk). "(?!)" never matches.
    """
    names = [
        name
        for name in config["datasets"]
        if (name in GPU_DATASETS) == gpu and not GROUPED
    ]
    return "|".join(re.escape(name) for name in sorted(names)) or "(?!)"

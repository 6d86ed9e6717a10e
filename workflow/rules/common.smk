# Helpers shared by the rules: the sweep's runs and each job's parameters, from
# the sgd_support package (put on the path by package.smk; the jobs import it too).
import json
import os

from sgd_support.sweep.runs import expand_runs, run_spec, train_groups
from sgd_support.sweep.cost import group_cost, run_cost, slurm_mem_mb, slurm_runtime_min
from sgd_support.core.data.registry import FEATURE_KINDS
from sgd_support.sweep.placement import gpu_datasets, run_uses_gpu
from sgd_support.core.provenance import TRAINING_CODE, code_hash
from sgd_support.reporting.run_paths import (
    DATASET_FILE,
    INIT_FILE,
    GROUP_CHECKPOINT,
    RUN_CHECKPOINT,
    RUN_DIR,
    RUN_PARTS,
)
from sgd_support.sweep.validation import check_config
from sgd_support.sweep import targets as sweep
from sgd_support.sweep.targets import (
    aggregate_files,
    dataset_files,
    dataset_runs,
    datasets_of,
    names_pattern,
    pair_runs,
    pairs,
    paper_runs,
    run_datasets,
    run_files,
    seed_runs,
)
from sgd_support.experiments.families import all_targets

# Each family's targets module: its path patterns (the rules' outputs) and selections.
from sgd_support.experiments.analyses import targets as analyses
from sgd_support.experiments.head import targets as head
from sgd_support.experiments.images import targets as images
from sgd_support.experiments.synthetic import targets as synthetic
from sgd_support.experiments.toy import targets as toy
from sgd_support.experiments.theory import targets as theory
from sgd_support.experiments.head.targets import figure_runs
from sgd_support.experiments.synthetic.targets import (
    figure_category,
    grid_runs,
    synthetic_pairs,
    synthetic_runs,
)
from sgd_support.experiments.toy.targets import landscapes, point_runs, points, toy_runs
from sgd_support.experiments.analyses.targets import start_runs

# Semantic checks the schema cannot express (names, batch vs data size, files): one
# line naming the key, before any job and before the runs are expanded.
one_line_errors(check_config)(config)

# Editing package code does not rerun jobs by itself: results depend on it, so the
# rules carry its hash in their params and Snakemake reruns them when it changes.
CODE = code_hash()
TRAIN_CODE = code_hash(*TRAINING_CODE)  # data sets, inits and training runs
RUNS = expand_runs(config)
# training.group: cell trains groups of runs in one job each (train_group.smk)
GROUPED = config["training"]["group"] == "cell"
# data sets with a run on a GPU engine (sgd_support.sweep.placement)
GPU_DATASETS = gpu_datasets(config, RUNS)
# What the config makes beyond its runs: the targets of `all`, the claims tables of the
# checklist (sgd_support.experiments.families: one targets function per family).
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


def sized(request, cost):
    """A resource function of the attempt: ``request`` (slurm_runtime_min or
    slurm_mem_mb) of a precomputed cost, e.g. a group job's."""

    def resource(wildcards, attempt):
        return request(cost, attempt)

    return resource


# The profile's set-resources entries that apply to every group job of a class (the
# generated train_group_<n> rules cannot be named one by one in a profile).
GROUP_CLASS, GPU_GROUP_CLASS = "train_group", "train_group_gpu"


def apply_class_resources(name, cls):
    """Give rule ``name`` the profile's set-resources of class ``cls``, except those the
    profile sets for ``name`` itself (which win, as for any rule)."""
    from snakemake.resources import Resources

    overrides = workflow.resource_settings.overwrite_resources
    shared, own = overrides.get(cls, {}), overrides.get(name, {})
    wanted = {key: value for key, value in shared.items() if key not in own}
    if (
        wanted
    ):  # parsed Resource objects from a profile or --set-resources, else plain values
        parsed = isinstance(shared, Resources)
        workflow.get_rule(name).resources.update(
            Resources(wanted) if parsed else Resources.from_mapping(wanted)
        )


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


def grid_weights(wildcards):
    """E1-E5: weights of every run of one (dataset, model, lr, init seed)."""
    runs = grid_runs(
        synthetic_runs(config, RUNS),
        wildcards.dataset,
        wildcards.model,
        wildcards.lr,
        wildcards.init,
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

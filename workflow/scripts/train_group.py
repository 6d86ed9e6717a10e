"""Snakemake script of the train_group_* rules: one group of runs, trained together
(sgd_support.core.group.run_group), each run's files at its own output paths."""

import os

os.environ["OMP_NUM_THREADS"] = str(snakemake.threads)  # before torch is imported

from sgd_support.cli.common import setup_logging  # noqa: E402
from sgd_support.core.group import run_group  # noqa: E402

setup_logging(snakemake.log[0])
members = [
    {"init": init, "run": run, "trajectory": trajectory, "weights": weights, "checkpoint": checkpoint}
    for init, run, trajectory, weights, checkpoint in zip(
        snakemake.input.inits,
        snakemake.params.runs,
        snakemake.output.trajectories,
        snakemake.output.weights,
        snakemake.params.checkpoints,
    )
]
run_group(
    snakemake.input.data,
    snakemake.params.name,
    members,
    snakemake.params.checkpoint,
    float(snakemake.resources.checkpoint_every_s),
)

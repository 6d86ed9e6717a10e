# One job per (dataset, model, optimizer, lr, batch, init seed, order seed).


rule train_run:
    """Train one run, recording its trajectory and weights (data sets with no GPU run)."""
    input:
        data=DATASET_FILE,
        init=INIT_FILE,
        kernels="results/engine/numba_kernels.json",  # compiled once, not per job
    output:
        trajectory=f"{RUN_DIR}/trajectory.parquet",
        weights=f"{RUN_DIR}/weights.parquet",
    log:
        f"logs/runs/{RUN_PARTS}.log",
    benchmark:
        f"results/benchmarks/runs/{RUN_PARTS}.tsv"
    wildcard_constraints:
        dataset=train_datasets_pattern(gpu=False),
    conda:
        "../../envs/sgd-support.yaml"
    threads: 1
    resources:
        # seconds between checkpoints: an execution setting, not science, so a profile
        # or --set-resources train_run:checkpoint_every_s=N changes it without a rerun
        checkpoint_every_s=300,
        # SLURM's time limit and memory, sized per run by sgd_support.sweep.cost
        runtime=train_runtime,
        mem_mb=train_mem_mb,
    params:
        run=run_json,
        checkpoint=RUN_CHECKPOINT,
        code=TRAIN_CODE,
    shell:
        "OMP_NUM_THREADS={threads} python -m sgd_support.cli.train --data {input.data} --init {input.init}"
        " --run {params.run:q} --trajectory {output.trajectory} --weights {output.weights}"
        " --checkpoint {params.checkpoint} --checkpoint-every {resources.checkpoint_every_s} > {log} 2>&1"


# The same job for data sets whose runs train on a GPU engine (torch on a GPU_KINDS
# data set; sgd_support.sweep.placement): it asks for one, so that `--profile slurm` sends it
# to a GPU node with a GPU request (the profile adds the GPU model, partition and CPUs
# per GPU). Numba runs ask for none. Locally it runs like train_run, on the CPU where
# there is no GPU.
use rule train_run as train_run_gpu with:
    """Train one run on a data set whose runs use a GPU engine, asking for a GPU."""
    wildcard_constraints:
        dataset=train_datasets_pattern(gpu=True),
    resources:
        gpu=run_gpus,
        checkpoint_every_s=300,
        runtime=train_runtime,
        mem_mb=train_mem_mb,

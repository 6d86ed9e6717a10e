# training.group: cell trains the runs of each (dataset, model, batch size) in one job
# (sgd_support.core.group.run_group: an ensemble stepping in lockstep, batched matrix
# products, CUDA graphs on a GPU; or numba runs one after another) that writes every
# run's own files, the same paths as train_run's.
# A rule's outputs cannot be computed from wildcards, so each group is its own rule,
# train_group_<n> (n: the group's index in the sweep), named in its log's path. Each is
# sized by the cost model (sgd_support.sweep.cost.group_cost) like train_run, and a
# profile addresses them all as one class: its set-resources entry "train_group" (CPU
# groups) or "train_group_gpu" (groups asking for a GPU) applies to every train_group_<n>
# of that class (apply_class_resources in common.smk).


def group_runs_json(runs):
    return [json.loads(run_json(run)) for run in runs]


if GROUPED:
    for index, (group, runs) in enumerate(train_groups(RUNS).items()):
        cost = group_cost(config, runs)

        rule:
            """Train one group of runs (training.group: cell) together, each run's files apart."""
            name:
                f"train_group_{index}"
            input:
                data=DATASET_FILE.format(**runs[0]),
                inits=[INIT_FILE.format(**run) for run in runs],
                kernels="results/engine/numba_kernels.json",  # groups of numba runs on CPUs
            output:
                trajectories=run_files(runs, "trajectory.parquet"),
                weights=run_files(runs, "weights.parquet"),
            log:
                f"logs/groups/{group}.log",
            benchmark:
                f"results/benchmarks/groups/{group}.tsv"
            conda:
                "../../envs/sgd-support.yaml"
            threads: 1
            resources:
                checkpoint_every_s=300,
                gpu=int(cost.gpu),
                # SLURM's time limit and memory, as train_run's (safety factor, floor, x attempt)
                runtime=sized(slurm_runtime_min, cost),
                mem_mb=sized(slurm_mem_mb, cost),
            params:
                name=group,
                runs=group_runs_json(runs),
                # outside the outputs, so a killed group's checkpoints survive for the
                # rerun: its ensembles' (prefix) and each run's final state (its own file)
                checkpoint=GROUP_CHECKPOINT.format(group=group),
                checkpoints=[RUN_CHECKPOINT.format(**run) for run in runs],
                code=TRAIN_CODE,
            script:
                "../scripts/train_group.py"

        apply_class_resources(
            f"train_group_{index}", GPU_GROUP_CLASS if cost.gpu else GROUP_CLASS
        )

# One job per (dataset, model, optimizer, lr, batch, init seed, order seed).


rule train_run:
    input:
        data="results/data/dataset={dataset}.npz",
        init="results/init/dataset={dataset}/model={model}/init={init}.npz",
        kernels="results/engine/numba_kernels.json",  # compiled once, not per job
    output:
        trajectory="results/runs/dataset={dataset}/model={model}/optimizer={optimizer}/lr={lr}/batch={batch}/init={init}/order={order}/trajectory.parquet",
        weights="results/runs/dataset={dataset}/model={model}/optimizer={optimizer}/lr={lr}/batch={batch}/init={init}/order={order}/weights.parquet",
    log:
        "logs/runs/dataset={dataset}/model={model}/optimizer={optimizer}/lr={lr}/batch={batch}/init={init}/order={order}.log",
    benchmark:
        "results/benchmarks/runs/dataset={dataset}/model={model}/optimizer={optimizer}/lr={lr}/batch={batch}/init={init}/order={order}.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    threads: 1
    resources:
        gpu=run_gpus,
    params:
        run=run_json,
        # outside the outputs, so a killed job's checkpoint survives for the rerun
        checkpoint="results/checkpoints/dataset={dataset}/model={model}/optimizer={optimizer}/lr={lr}/batch={batch}/init={init}/order={order}.npz",
        code=TRAIN_CODE,
    shell:
        "OMP_NUM_THREADS={threads} python -m sgd_support.cli.train --data {input.data} --init {input.init}"
        " --run {params.run:q} --trajectory {output.trajectory} --weights {output.weights}"
        " --checkpoint {params.checkpoint} > {log} 2>&1"

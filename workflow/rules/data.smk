# Data sets and initial weights, built once and read by every training job.


rule make_dataset:
    """Build a data set from its config entry (every kind but backbone features)."""
    output:
        DATASET_FILE,
    log:
        "logs/data/dataset={dataset}.log",
    benchmark:
        "results/benchmarks/data/dataset={dataset}.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        config=dataset_json,
        code=TRAIN_CODE,
    shell:
        "python -m sgd_support.cli.make_dataset --config {params.config:q} --out {output} > {log} 2>&1"


rule init_weights:
    """Draw a model's initial weights on a data set for one init seed."""
    input:
        DATASET_FILE,
    output:
        INIT_FILE,
    log:
        "logs/init/dataset={dataset}/model={model}/init={init}.log",
    benchmark:
        "results/benchmarks/init/dataset={dataset}/model={model}/init={init}.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        model=model_json,
        code=TRAIN_CODE,
    shell:
        "python -m sgd_support.cli.init_weights --data {input} --model {params.model:q}"
        " --seed {wildcards.init} --out {output} > {log} 2>&1"

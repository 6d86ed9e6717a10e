# E9 (App. D): a frozen ResNet18 encodes an image data set once (extract_features,
# its output is the features data set every head training job reads), then the
# head runs of a (features data set, model) are compared (head_figures). Which pairs
# and runs: sgd_support.experiments.head.targets.


ruleorder: extract_features > make_dataset


rule extract_features:
    """E9: encode an image data set with the frozen backbone into a features data set."""
    input:
        source=feature_source,
        weights=feature_weights,
    output:
        DATASET_FILE,
    log:
        "logs/features/dataset={dataset}.log",
    benchmark:
        "results/benchmarks/features/dataset={dataset}.tsv"
    wildcard_constraints:
        # only features data sets (a regex that matches none when there are none);
        # for them this rule takes precedence over make_dataset (ruleorder above)
        dataset=names_pattern(datasets_of(config, FEATURE_KINDS)),
    conda:
        "../../envs/sgd-support.yaml"
    threads: 2
    resources:
        gpu=1,
    params:
        config=dataset_json,
        # a data set, like make_dataset's: the training hash (backbone included), so a
        # figure edit neither re-encodes the images nor retrains the heads
        code=TRAIN_CODE,
    shell:
        "OMP_NUM_THREADS={threads} python -m sgd_support.cli.extract_features --source {input.source}"
        " --config {params.config:q} --out {output} > {log} 2>&1"


rule head_figures:
    """E9: the head's first-layer eigenvalues, Gram in the SVD basis, accuracy and claims."""
    input:
        data=DATASET_FILE,
        weights=figure_weights,
        trajectories=figure_trajectories,
    output:
        histograms=report(
            head.HISTOGRAMS,
            caption="../../report/e9_eigen_histograms.rst",
            category="E9 CIFAR10 head",
            subcategory="{dataset}",
            labels={
                "data set": "{dataset}",
                "model": "{model}",
                "figure": "W1 eigenvalues",
            },
        ),
        svd_gram=report(
            head.SVD_GRAM,
            caption="../../report/e9_svd_gram.rst",
            category="E9 CIFAR10 head",
            subcategory="{dataset}",
            labels={
                "data set": "{dataset}",
                "model": "{model}",
                "figure": "Gram in SVD basis",
            },
        ),
        table=report(
            head.TABLE,
            caption="../../report/e9_metrics.rst",
            category="E9 CIFAR10 head",
            subcategory="{dataset}",
            labels={"data set": "{dataset}", "model": "{model}", "figure": "accuracy"},
        ),
        table_tsv=head.TABLE_TSV,
        claims=head.CLAIMS,
    log:
        "logs/figures/e9/dataset={dataset}/model={model}.log",
    benchmark:
        "results/benchmarks/figures/e9/dataset={dataset}/model={model}.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.head_figures --data {input.data} --weights {input.weights}"
        " --trajectories {input.trajectories} --histograms {output.histograms}"
        " --svd-gram {output.svd_gram} --table {output.table} --table-tsv {output.table_tsv}"
        " --claims {output.claims} > {log} 2>&1"

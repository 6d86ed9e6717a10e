# Image experiments. E7: per (image data set, model), the trained first layers of
# every optimizer of the sweep compared (W1 eigenvalues, focus maps, test metrics,
# claims). E8: per image data set, the pixel covariance and its spectrum. Which of
# them a config makes, and which runs each reads: sgd_support.experiments.images.targets.


rule image_figures:
    """E7: first-layer eigenvalues, focus maps, test metrics and claims of a (dataset, model)."""
    input:
        data=DATASET_FILE,
        weights=seed_weights,
        trajectories=seed_trajectories,
    output:
        histograms=report(
            images.E7_HISTOGRAMS,
            caption="../../report/e7_eigen_histograms.rst",
            category="E7 MNIST/digits",
            subcategory="{dataset}",
            labels={
                "data set": "{dataset}",
                "model": "{model}",
                "figure": "W1 eigenvalues",
            },
        ),
        focus=report(
            images.E7_FOCUS,
            caption="../../report/e7_focus_maps.rst",
            category="E7 MNIST/digits",
            subcategory="{dataset}",
            labels={
                "data set": "{dataset}",
                "model": "{model}",
                "figure": "focus maps",
            },
        ),
        shares=report(
            images.E7_SHARES,
            caption="../../report/e7_focus_shares.rst",
            category="E7 MNIST/digits",
            subcategory="{dataset}",
            labels={
                "data set": "{dataset}",
                "model": "{model}",
                "figure": "focus shares over seeds",
            },
        ),
        table=report(
            images.E7_TABLE,
            caption="../../report/e7_metrics.rst",
            category="E7 MNIST/digits",
            subcategory="{dataset}",
            labels={
                "data set": "{dataset}",
                "model": "{model}",
                "figure": "test metrics",
            },
        ),
        table_tsv=images.E7_TABLE_TSV,
        claims=images.E7_CLAIMS,
    log:
        "logs/figures/e7/dataset={dataset}/model={model}.log",
    benchmark:
        "results/benchmarks/figures/e7/dataset={dataset}/model={model}.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.image_figures --data {input.data} --weights {input.weights}"
        " --trajectories {input.trajectories} --histograms {output.histograms} --focus {output.focus}"
        " --shares {output.shares}"
        " --table {output.table} --table-tsv {output.table_tsv} --claims {output.claims} > {log} 2>&1"


rule data_spectra:
    """E8: an image data set's pixel covariance and its spectrum."""
    input:
        DATASET_FILE,
    output:
        covariance=report(
            images.E8_COVARIANCE,
            caption="../../report/e8_covariance.rst",
            category="E8 data spectra",
            subcategory="{dataset}",
            labels={"data set": "{dataset}", "figure": "pixel covariance"},
        ),
        spectrum=report(
            images.E8_SPECTRUM,
            caption="../../report/e8_spectrum.rst",
            category="E8 data spectra",
            subcategory="{dataset}",
            labels={"data set": "{dataset}", "figure": "covariance spectrum"},
        ),
        eigenvalues=images.E8_EIGENVALUES,
    log:
        "logs/figures/e8/dataset={dataset}.log",
    benchmark:
        "results/benchmarks/figures/e8/dataset={dataset}.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.data_spectra --data {input} --name {wildcards.dataset}"
        " --covariance {output.covariance} --spectrum {output.spectrum}"
        " --eigenvalues {output.eigenvalues} > {log} 2>&1"

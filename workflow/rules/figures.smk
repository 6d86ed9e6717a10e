# Figures of the synthetic experiments (E1-E5), one rule per kind, for every
# (dataset, model) of the sweeps on synthetic data: irrelevant-norm curves per init
# seed, and |W1| / Gram heatmap grids per (lr, init seed) (a colour scale per panel, as
# the paper; the W1 grid also on one scale per row). Which of them a config
# makes, and which runs each reads: sgd_support.experiments.synthetic.targets.


rule plot_norm_curves:
    """E1-E5: the irrelevant weights' norm over training, per optimizer, for one init seed."""
    input:
        quantiles=sweep.QUANTILES,
        final=sweep.FINAL_RUNS,
    output:
        figure=report(
            synthetic.NORM_CURVES,
            caption="../../report/irrelevant_norm.rst",
            category=experiment_category,
            subcategory="Irrelevant norm over training",
            labels={
                "data set": "{dataset}",
                "model": "{model}",
                "init seed": "{init}",
            },
        ),
        numbers=synthetic.NORM_CURVES_CAPTION,
    log:
        "logs/figures/dataset={dataset}/model={model}/init={init}/irrelevant_norm.log",
    benchmark:
        "results/benchmarks/figures/dataset={dataset}/model={model}/init={init}/irrelevant_norm.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
        # the blocks that say whether a table of the paper's values applies to a run
        setup=json.dumps(
            {k: config[k] for k in ("datasets", "models", "optimizers", "training")}
        ),
    shell:
        "python -m sgd_support.cli.plot_norm_curves --quantiles {input.quantiles} --final {input.final}"
        " --init {wildcards.init} --out {output.figure} --caption {output.numbers}"
        " --setup '{params.setup}' > {log} 2>&1"


rule plot_w1_grid:
    """E1-E5: |W1| and Gram(W1) at init and end of every run of a (dataset, model, lr, init)."""
    input:
        data=DATASET_FILE,
        init=INIT_FILE,
        final=sweep.FINAL_RUNS,
        weights=grid_weights,
    output:
        figure=report(
            synthetic.W1_GRID,
            caption="../../report/w1_gram.rst",
            category=experiment_category,
            subcategory="W1 and Gram(W1) at init and end",
            labels={
                "data set": "{dataset}",
                "model": "{model}",
                "lr": "{lr}",
                "init seed": "{init}",
            },
        ),
        shared=report(
            synthetic.W1_GRID_SHARED,
            caption="../../report/w1_gram_shared.rst",
            category=experiment_category,
            subcategory="W1 and Gram(W1), one colour scale per row",
            labels={
                "data set": "{dataset}",
                "model": "{model}",
                "lr": "{lr}",
                "init seed": "{init}",
            },
        ),
        numbers=synthetic.W1_GRID_CAPTION,
    log:
        "logs/figures/dataset={dataset}/model={model}/lr={lr}/init={init}/w1_gram.log",
    benchmark:
        "results/benchmarks/figures/dataset={dataset}/model={model}/lr={lr}/init={init}/w1_gram.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.plot_weight_grid --rows w1 --data {input.data} --init-weights {input.init}"
        " --final {input.final} --out {output.figure} --caption {output.numbers}"
        " --shared-out {output.shared} {input.weights} > {log} 2>&1"


rule plot_deep_grid:
    """E1-E5: the deeper layers' Gram matrices at init and end, likewise."""
    input:
        data=DATASET_FILE,
        init=INIT_FILE,
        final=sweep.FINAL_RUNS,
        weights=grid_weights,
    output:
        figure=report(
            synthetic.DEEP_GRID,
            caption="../../report/deep_gram.rst",
            category=experiment_category,
            subcategory="Gram of the deeper layers at init and end",
            labels={
                "data set": "{dataset}",
                "model": "{model}",
                "lr": "{lr}",
                "init seed": "{init}",
            },
        ),
        numbers=synthetic.DEEP_GRID_CAPTION,
    log:
        "logs/figures/dataset={dataset}/model={model}/lr={lr}/init={init}/deep_gram.log",
    benchmark:
        "results/benchmarks/figures/dataset={dataset}/model={model}/lr={lr}/init={init}/deep_gram.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.plot_weight_grid --rows deep --data {input.data} --init-weights {input.init}"
        " --final {input.final} --out {output.figure} --caption {output.numbers} {input.weights} > {log} 2>&1"

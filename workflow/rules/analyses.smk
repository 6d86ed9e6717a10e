# Analyses across runs: E11 (section 5.1) init dependence by batch size and E10
# (Theorem 1) decay rate of the irrelevant norm against lr/b. Both always run on the
# config's runs; where the config lacks the data (fewer than 2 init seeds, fewer than
# 2 lr/b values) they write claims with passed=None saying what is missing
# (sgd_support.experiments.analyses.targets).


rule init_dependence:
    """E11: how much the end point depends on the init seed, by batch size, and the claims."""
    input:
        weights=run_files(paper_runs(config, RUNS), "weights.parquet"),
        data=dataset_files(run_datasets(paper_runs(config, RUNS))),
    output:
        table=analyses.E11_TABLE,
        html=report(
            analyses.E11_HTML,
            caption="../../report/e11_table.rst",
            category="E11 init dependence",
            subcategory="statistics",
            labels={"what": "table and claims"},
        ),
        figure=report(
            analyses.E11_FIGURE,
            caption="../../report/e11_figure.rst",
            category="E11 init dependence",
            subcategory="statistics",
            labels={"what": "statistics vs batch size"},
        ),
        claims=analyses.E11_CLAIMS,
        summary=analyses.E11_SUMMARY,
    log:
        "logs/analyses/e11_init_dependence.log",
    benchmark:
        "results/benchmarks/analyses/e11_init_dependence.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.init_dependence --weights {input.weights} --data {input.data}"
        " --table {output.table} --html {output.html} --figure {output.figure}"
        " --claims {output.claims} --summary {output.summary} > {log} 2>&1"


rule decay_rate:
    """E10: the irrelevant norm's decay rate over training against lr/b, and the claims."""
    input:
        run_files(paper_runs(config, RUNS), "trajectory.parquet"),
    output:
        rates=analyses.E10_RATES,
        slopes=analyses.E10_SLOPES,
        html=report(
            analyses.E10_HTML,
            caption="../../report/e10_table.rst",
            category="E10 Theorem 1 rate",
            subcategory="rate vs lr/b",
            labels={"what": "table and claims"},
        ),
        figure=report(
            analyses.E10_FIGURE,
            caption="../../report/e10_figure.rst",
            category="E10 Theorem 1 rate",
            subcategory="rate vs lr/b",
            labels={"what": "rate vs lr/b"},
        ),
        claims=analyses.E10_CLAIMS,
        summary=analyses.E10_SUMMARY,
    log:
        "logs/analyses/e10_decay_rate.log",
    benchmark:
        "results/benchmarks/analyses/e10_decay_rate.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.decay_rate --trajectories {input} --rates {output.rates}"
        " --slopes {output.slopes} --html {output.html} --figure {output.figure}"
        " --claims {output.claims} --summary {output.summary} > {log} 2>&1"


# E10, Theorem 1 as stated: per step, in expectation over batch orders, from saved
# weights (config key theorem1) of one GD run per synthetic data set and linear network.
rule theorem1:
    """E10: Theorem 1 per step, from the saved weights of GD runs, and the claims."""
    input:
        weights=run_files(start_runs(RUNS, config), "weights.parquet"),
        data=dataset_files(run_datasets(start_runs(RUNS, config))),
    output:
        table=analyses.THEOREM1_TABLE,
        fits=analyses.THEOREM1_FITS,
        first_layer=analyses.THEOREM1_FIRST_LAYER,
        html=report(
            analyses.THEOREM1_HTML,
            caption="../../report/e10_theorem1_table.rst",
            category="E10 Theorem 1 rate",
            subcategory="per step from given weights",
            labels={"what": "table and claims"},
        ),
        figure=report(
            analyses.THEOREM1_FIGURE,
            caption="../../report/e10_theorem1_figure.rst",
            category="E10 Theorem 1 rate",
            subcategory="per step from given weights",
            labels={"what": "excess vs lr^2/b"},
        ),
        claims=analyses.THEOREM1_CLAIMS,
        summary=analyses.THEOREM1_SUMMARY,
    log:
        "logs/analyses/e10_theorem1.log",
    benchmark:
        "results/benchmarks/analyses/e10_theorem1.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
        settings=json.dumps(config["theorem1"]),
    shell:
        "python -m sgd_support.cli.theorem1 --weights {input.weights} --data {input.data}"
        " --settings '{params.settings}' --table {output.table} --fits {output.fits}"
        " --html {output.html} --figure {output.figure} --claims {output.claims}"
        " --summary {output.summary} --first-layer {output.first_layer} > {log} 2>&1"

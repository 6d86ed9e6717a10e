# Across-order-seed statistics, each run's final state, the sweep's summary table
# and the synthetic experiments' claims (E1-E5). Inputs come from the run lists.


rule aggregate_runs:
    """Across-order-seed quantiles of a (dataset, model)'s trajectories, each run's final state."""
    input:
        pair_trajectories,
    output:
        quantiles=sweep.QUANTILES,
        final=sweep.FINAL_RUNS,
    log:
        "logs/aggregate/dataset={dataset}/model={model}.log",
    benchmark:
        "results/benchmarks/aggregate/dataset={dataset}/model={model}.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.aggregate_runs --quantiles {output.quantiles}"
        " --final {output.final} {input} > {log} 2>&1"


rule final_summary:
    """The final state of every (dataset, model)'s series (runs but their order seeds), one table."""
    input:
        aggregate_files(pairs(config, RUNS), sweep.FINAL_RUNS),
    output:
        parquet=sweep.FINAL_SUMMARY_TABLE,
        html=report(
            sweep.FINAL_SUMMARY,
            caption="../../report/final_summary.rst",
            category="Summary",
            subcategory="Final state of every series",
        ),
    log:
        "logs/aggregate/final_summary.log",
    benchmark:
        "results/benchmarks/aggregate/final_summary.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.final_summary --parquet {output.parquet}"
        " --html {output.html} {input} > {log} 2>&1"


rule synthetic_claims:
    """E1-E5: the synthetic experiments' claims, decided on every synthetic run."""
    input:
        final=aggregate_files(synthetic_pairs(config, RUNS), sweep.FINAL_RUNS),
        data=sorted(dataset_files({ds for ds, _ in synthetic_pairs(config, RUNS)})),
        # W1 at init and end of every synthetic run: the ReLU claims count its rows
        weights=run_files(synthetic_runs(config, RUNS), "weights.parquet"),
    output:
        synthetic.CLAIMS,
    log:
        "logs/claims/synthetic.log",
    benchmark:
        "results/benchmarks/claims/synthetic.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.synthetic_claims --data {input.data}"
        " --weights {input.weights} --out {output} {input.final} > {log} 2>&1"

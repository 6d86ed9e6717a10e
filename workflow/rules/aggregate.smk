# Across-order-seed statistics, each run's final state, the sweep's summary table
# and the synthetic experiments' claims (E1-E5). Inputs come from the run lists.
rule aggregate_runs:
    input:
        pair_runs,
    output:
        quantiles="results/aggregate/dataset={dataset}/model={model}/trajectory_quantiles.parquet",
        final="results/aggregate/dataset={dataset}/model={model}/final_runs.parquet",
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
    input:
        pair_outputs("final_runs.parquet"),
    output:
        parquet="results/aggregate/final_summary.parquet",
        html=report(
            "results/aggregate/final_summary.html",
            caption="../../report/final_summary.rst",
            category="Summary",
            subcategory="Final state of every run group",
        ),
    log:
        "logs/aggregate/final_summary.log",
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.final_summary --parquet {output.parquet}"
        " --html {output.html} {input} > {log} 2>&1"


rule synthetic_claims:
    input:
        final=pair_outputs("final_runs.parquet", SYNTHETIC_PAIRS),
        data=sorted(
            {f"results/data/dataset={dataset}.npz" for dataset, _ in SYNTHETIC_PAIRS}
        ),
        # W1 at init and end of every synthetic run: the ReLU claims count its rows
        weights=run_outputs(
            "weights.parquet",
            [r for r in RUNS if (r["dataset"], r["model"]) in SYNTHETIC_PAIRS],
        ),
    output:
        "results/claims/synthetic.parquet",
    log:
        "logs/claims/synthetic.log",
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.synthetic_claims --data {input.data}"
        " --weights {input.weights} --out {output} {input.final} > {log} 2>&1"


REPORT_TARGETS.extend(
    [
        "results/aggregate/final_summary.html",
        *pair_outputs("trajectory_quantiles.parquet"),
    ]
)
if SYNTHETIC_PAIRS:
    CLAIM_TABLES.append("results/claims/synthetic.parquet")

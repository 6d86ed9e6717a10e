# E12 (and E13, appended below): the paper's theory put to ordinary sweep runs. The
# runs each row reads are selected by their properties (model structure, activation,
# depth; optimizer fields; data set kind and target): sgd_support.experiments.theory.targets.


rule theory_diagonal:
    """E12: Prop. 1, Prop. 2 / Theorem 2 and Prop. 6 on diagonal networks and App. J's
    counterexample: the claims and the table of their numbers."""
    input:
        trajectories=run_files(theory.diagonal_runs(config, RUNS)),
        weights=run_files(theory.diagonal_runs(config, RUNS), "weights.parquet"),
        data=dataset_files(theory.diagonal_datasets(config, RUNS)),
    output:
        table=report(
            theory.DIAGONAL_TABLE,
            caption="../../report/theory-diagonal-table.rst",
            category="E12 theory: diagonal networks",
            subcategory="table",
            labels={"table": "every E12 row's numbers"},
        ),
        claims=theory.DIAGONAL_CLAIMS,
    log:
        "logs/theory/diagonal.log",
    benchmark:
        "results/benchmarks/theory/diagonal.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.theory_diagonal rows --trajectories {input.trajectories}"
        " --weights {input.weights} --data {input.data} --table {output.table}"
        " --claims {output.claims} > {log} 2>&1"


rule theory_diagonal_figure:
    """E12's figures: the layer that cuts each irrelevant coordinate, |W1[j, j]| over
    steps, Theorem 2's time, App. J's counterexample."""
    input:
        trajectories=run_files(theory.diagonal_runs(config, RUNS)),
        weights=run_files(theory.diagonal_runs(config, RUNS), "weights.parquet"),
        data=dataset_files(theory.diagonal_datasets(config, RUNS)),
    output:
        report(
            theory.DIAGONAL_FIGURE,
            caption="../../report/theory-diagonal-figure.rst",
            category="E12 theory: diagonal networks",
            subcategory="figures",
            labels={"figure": "{figure}"},
        ),
    log:
        "logs/theory/diagonal_{figure}.log",
    benchmark:
        "results/benchmarks/theory/diagonal_{figure}.tsv"
    wildcard_constraints:
        figure="|".join(theory.DIAGONAL_FIGURES),
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.theory_diagonal figure {wildcards.figure} --trajectories {input.trajectories}"
        " --weights {input.weights} --data {input.data} --out {output} > {log} 2>&1"

# E12 (and E13, appended below): the paper's theory put to ordinary sweep runs. The
# runs each row reads are selected by their properties (model structure, activation,
# depth; optimizer fields; data set kind and target): sgd_support.experiments.theory.targets.


rule theory_diagonal:
    """E12: the claims of Props. 1, 2, 6 and Theorem 2 and the table of their numbers."""
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
    """E12's figures: layers cut, |W1[j, j]| over steps, Theorem 2's time, App. J."""
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


# E13, the optimizer axis: Props. 7, 9, 10, label noise and sampling (the paper's),
# momentum and Adam (beyond it), on the runs of fully connected networks on synthetic data.


rule theory_optimizers:
    """E13: the claims on the optimizer axis and the table of the numbers they rest on."""
    input:
        trajectories=run_files(theory.optimizer_runs(config, RUNS)),
        data=dataset_files(run_datasets(theory.optimizer_runs(config, RUNS))),
    output:
        table=report(
            theory.OPTIMIZER_TABLE,
            caption="../../report/theory-optimizers-table.rst",
            category="E13 theory: the optimizer axis",
            subcategory="claims",
            labels={"what": "numbers of every row"},
        ),
        claims=theory.OPTIMIZER_CLAIMS,
    log:
        "logs/theory/optimizers.log",
    benchmark:
        "results/benchmarks/theory/optimizers.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.theory_optimizers claims --trajectories {input.trajectories}"
        " --data {input.data} --table {output.table} --claims {output.claims} > {log} 2>&1"


wildcard_constraints:
    panel="|".join(theory.PANELS),


rule theory_optimizers_figure:
    """E13: one panel's figure (Prop. 7; Props. 9, 10; label noise and sampling; momentum and Adam)."""
    input:
        run_files(theory.optimizer_runs(config, RUNS)),
    output:
        report(
            theory.OPTIMIZER_FIGURE,
            caption="../../report/theory-optimizers-figure.rst",
            category="E13 theory: the optimizer axis",
            subcategory="{panel}",
            labels={"panel": "{panel}"},
        ),
    log:
        "logs/theory/optimizers_{panel}.log",
    benchmark:
        "results/benchmarks/theory/optimizers_{panel}.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.theory_optimizers figure --panel {wildcards.panel}"
        " --trajectories {input} --out {output} > {log} 2>&1"

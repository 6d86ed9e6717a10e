# The theory family (E12, E13): the paper's propositions put to runs of the sweep, chosen
# by their properties (sgd_support.experiments.theory.targets).

from sgd_support.experiments.theory import targets as theory

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

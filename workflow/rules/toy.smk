# E6: the toy model f(x) = a*b*x (App. B, Fig. 4 and 9). Its runs are ordinary
# training runs of the sweep (data sets of the toy kinds); these rules read their
# trajectories of (a, b, loss) and make the rate table, the claims and the figures
# (which runs and data sets: sgd_support.experiments.toy.targets).


rule toy_rates:
    """E6: contraction rates of b per epoch, measured and in closed form, and the claims."""
    input:
        trajectories=run_files(toy_runs(config, RUNS)),
        points=dataset_files(points(config, RUNS)),
        landscape=dataset_files(landscapes(config, RUNS)),
    output:
        table=report(
            toy.RATES,
            caption="../../report/toy-rates.rst",
            category="E6 toy model",
            subcategory="Contraction rates",
            labels={"table": "rates of b per epoch, measured vs closed form"},
        ),
        claims=toy.CLAIMS,
    log:
        "logs/toy/rates.log",
    benchmark:
        "results/benchmarks/toy/rates.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.toy rates --trajectories {input.trajectories} --points {input.points}"
        " --landscape {input.landscape} --table {output.table} --claims {output.claims} > {log} 2>&1"


rule toy_landscape_figure:
    """E6, Fig. 9: every optimizer's trajectory over a landscape data set's loss."""
    input:
        data=DATASET_FILE,
        trajectories=dataset_trajectories,
    output:
        report(
            toy.LANDSCAPE_FIGURE,
            caption="../../report/toy-landscape.rst",
            category="E6 toy model",
            subcategory="Fig. 9: trajectories over the loss landscape",
            labels={"figure": "Fig. 9", "data set": "{dataset}"},
        ),
    log:
        "logs/toy/landscape/dataset={dataset}.log",
    benchmark:
        "results/benchmarks/toy/landscape/dataset={dataset}.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.toy landscape --trajectories {input.trajectories} --data {input.data}"
        " --out {output} > {log} 2>&1"


rule toy_ab_figure:
    """E6, Fig. 4: a and b over steps on the point data sets."""
    input:
        run_files(point_runs(config, RUNS)),
    output:
        report(
            toy.AB_FIGURE,
            caption="../../report/toy-ab.rst",
            category="E6 toy model",
            subcategory="Fig. 4: a and b over steps",
            labels={"figure": "Fig. 4"},
        ),
    log:
        "logs/toy/ab_over_steps.log",
    benchmark:
        "results/benchmarks/toy/ab_over_steps.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.toy ab --trajectories {input} --out {output} > {log} 2>&1"

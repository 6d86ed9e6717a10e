# E6: the toy model f(x) = a*b*x (App. B, Fig. 4 and 9). Its runs are ordinary
# training runs of the sweep (data sets of the toy kinds); these rules read their
# trajectories of (a, b, loss) and make the rate table, the claims and the figures.
from sgd_support.data.toy import KINDS as TOY_KINDS

TOY_RUNS = [
    run for run in RUNS if config["datasets"][run["dataset"]]["kind"] in TOY_KINDS
]
TOY_POINT_RUNS = [
    run
    for run in TOY_RUNS
    if config["datasets"][run["dataset"]]["kind"] == "toy_points"
]
TOY_POINTS = sorted({run["dataset"] for run in TOY_POINT_RUNS})
TOY_LANDSCAPES = sorted({run["dataset"] for run in TOY_RUNS} - set(TOY_POINTS))


rule toy_rates:
    input:
        trajectories=run_outputs(runs=TOY_RUNS),
        points=expand("results/data/dataset={dataset}.npz", dataset=TOY_POINTS),
        landscape=expand("results/data/dataset={dataset}.npz", dataset=TOY_LANDSCAPES),
    output:
        table=report(
            "results/toy/rates.tsv",
            caption="../../report/toy-rates.rst",
            category="E6 toy model",
            subcategory="Contraction rates",
            labels={"table": "rates of b per epoch, measured vs closed form"},
        ),
        claims="results/claims/toy.parquet",
    log:
        "logs/toy/rates.log",
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.toy rates --trajectories {input.trajectories} --points {input.points}"
        " --landscape {input.landscape} --table {output.table} --claims {output.claims} > {log} 2>&1"


rule toy_landscape_figure:
    input:
        data="results/data/dataset={dataset}.npz",
        trajectories=dataset_runs,
    output:
        report(
            "results/toy/landscape/dataset={dataset}.png",
            caption="../../report/toy-landscape.rst",
            category="E6 toy model",
            subcategory="Fig. 9: trajectories over the loss landscape",
            labels={"figure": "Fig. 9", "data set": "{dataset}"},
        ),
    log:
        "logs/toy/landscape/dataset={dataset}.log",
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.toy landscape --trajectories {input.trajectories} --data {input.data}"
        " --out {output} > {log} 2>&1"


rule toy_ab_figure:
    input:
        run_outputs(runs=TOY_POINT_RUNS),
    output:
        report(
            "results/toy/ab_over_steps.png",
            caption="../../report/toy-ab.rst",
            category="E6 toy model",
            subcategory="Fig. 4: a and b over steps",
            labels={"figure": "Fig. 4"},
        ),
    log:
        "logs/toy/ab_over_steps.log",
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.toy ab --trajectories {input} --out {output} > {log} 2>&1"


if TOY_RUNS:
    CLAIM_TABLES.append("results/claims/toy.parquet")
    REPORT_TARGETS.append("results/toy/rates.tsv")
    REPORT_TARGETS.extend(
        expand("results/toy/landscape/dataset={dataset}.png", dataset=TOY_LANDSCAPES)
    )
if TOY_POINT_RUNS:
    REPORT_TARGETS.append("results/toy/ab_over_steps.png")

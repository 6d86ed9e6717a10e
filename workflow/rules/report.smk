# The claims checklist: every claims table of the config (sgd_support.experiments.families)
# as one scorecard page in the report; and the registry of the paper's figures.


rule claims_checklist:
    """Every claim of the config's experiments with its verdict, one table."""
    input:
        TARGETS.claims,
    output:
        html=report(
            sweep.CHECKLIST,
            caption="../../report/claims_checklist.rst",
            category="Claims checklist",
        ),
        numbers=sweep.CHECKLIST_CAPTION,
        table=sweep.CHECKLIST_TABLE,
    log:
        "logs/report/claims_checklist.log",
    benchmark:
        "results/benchmarks/report/claims_checklist.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.claims_checklist --html {output.html}"
        " --caption {output.numbers} --parquet {output.table} {input} > {log} 2>&1"


rule paper_figures:
    """The paper's Figs. 1-19: setting, this pipeline's counterpart, config at scale, verdict."""
    output:
        html=report(
            sweep.PAPER_FIGURES,
            caption="../../report/paper_figures.rst",
            category="The paper's figures",
        ),
        numbers=sweep.PAPER_FIGURES_CAPTION,
    log:
        "logs/report/paper_figures.log",
    benchmark:
        "results/benchmarks/report/paper_figures.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
        # which counterpart files this run makes: the run's report targets
        targets=TARGETS.report,
    shell:
        "python -m sgd_support.cli.paper_figures --html {output.html}"
        " --caption {output.numbers} {params.targets} > {log} 2>&1"

# The claims checklist: every claims table of the config (sgd_support.experiments.families)
# as one HTML table in the report.


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
        " --caption {output.numbers} {input} > {log} 2>&1"

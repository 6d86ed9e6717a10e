# The claims checklist: every table in CLAIM_TABLES as one HTML table in the report.
# Included below the marker in the Snakefile, after every rule file that appends to
# CLAIM_TABLES, so that the list is complete when this rule reads it.


rule claims_checklist:
    input:
        CLAIM_TABLES,
    output:
        html=report(
            "results/report/claims_checklist.html",
            caption="../../report/claims_checklist.rst",
            category="Claims checklist",
        ),
        numbers="results/report/claims_checklist.rst",
    log:
        "logs/report/claims_checklist.log",
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=CODE,
    shell:
        "python -m sgd_support.cli.claims_checklist --html {output.html}"
        " --caption {output.numbers} {input} > {log} 2>&1"


REPORT_TARGETS.append("results/report/claims_checklist.html")

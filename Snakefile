# sgd-support: reproduce "How Neural Networks Learn the Support is an Implicit
# Regularization Effect of SGD". This file only wires things together; the
# science is the sgd_support package in src/.
from snakemake.utils import min_version, validate

min_version("9.0")


# config.yaml is the default; a --configfile replaces it instead of being merged
# into it (a merge would leak the default's sweeps into another config's run).
if not workflow.config_settings.configfiles:

    configfile: "config.yaml"


# The schema fills defaults and checks types and ranges; common.smk then runs the
# semantic checks (sgd_support.sweep.validation) before any rule reads the config.
validate(config, "workflow/schemas/config.schema.yaml")


report: "report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/engine.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/train_group.smk"
include: "workflow/rules/images.smk"
include: "workflow/rules/features.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/toy.smk"
include: "workflow/rules/analyses.smk"
include: "workflow/rules/report.smk"


# Rules that only read a few small files and write a table (or, for all, nothing) run
# in the Snakemake process itself, also under --profile slurm: a cluster job would wait
# in the queue for minutes to do a second's work.
localrules:
    all,
    final_summary,
    toy_rates,
    claims_checklist,
    paper_figures,


rule all:
    """Every training run, figure, table and the claims checklist the config calls for."""
    default_target: True
    input:
        run_files(RUNS, "trajectory.parquet"),
        TARGETS.report,

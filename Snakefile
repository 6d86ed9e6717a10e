# sgd-support: reproduce "How Neural Networks Learn the Support is an Implicit
# Regularization Effect of SGD". This file only wires things together; the
# science is the sgd_support package in src/.
from snakemake.utils import min_version, validate

min_version("9.0")


# The package of this checkout, and its config checks that end the workflow with one
# line naming the file, line or key (sgd_support.sweep.config_check).
include: "workflow/rules/package.smk"


# config.yaml is the default; a --configfile replaces it instead of being merged
# into it (a merge would leak the default's sweeps into another config's run).
if not workflow.config_settings.configfiles:
    # Snakemake's reader names neither the file nor the line of a YAML error: read it first
    read_config_file("config.yaml")

    configfile: "config.yaml"


# Unknown keys by name (with the nearest valid one) and any other schema error in one
# line, before validate: its own message prints the schema of the whole block. The
# schema then fills defaults; common.smk runs the semantic checks
# (sgd_support.sweep.validation) before any rule reads the config.
check_config_files(config, workflow.configfiles)
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
include: "workflow/rules/theory.smk"
include: "workflow/rules/report.smk"


# Rules that only read a few small files and write a table (or, for all, nothing) run
# in the Snakemake process itself, also under --profile slurm: a cluster job would wait
# in the queue for minutes to do a second's work.
localrules:
    all,
    final_summary,
    toy_rates,
    theory_diagonal,
    theory_optimizers,
    claims_checklist,
    paper_figures,


rule all:
    """Every training run, figure, table and the claims checklist the config calls for."""
    default_target: True
    input:
        run_files(RUNS, "trajectory.parquet"),
        TARGETS.report,

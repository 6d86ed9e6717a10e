"""A config file as the workflow sees it, for tools outside Snakemake (``plan``,
``status``, benchmarks): the same strict re-read, schema defaults and semantic checks
as the Snakefile and ``common.smk``, in the same order as far as the errors go."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from sgd_support.sweep.validation import check_config, check_config_files

REPO = Path(__file__).resolve().parents[3]  # the checkout this package runs from (src/sgd_support/sweep)
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
DEFAULT = REPO / "config.yaml"


def load_config(path: str | os.PathLike = DEFAULT) -> dict:
    """The validated config of ``path`` with the schema's defaults filled in (a
    sweep's ``batches``, for instance, which the run expansion reads)."""
    from snakemake.utils import validate  # the workflow's own validator (fills defaults)

    check_config_files([path])
    config = yaml.safe_load(Path(path).read_text())
    validate(config, str(SCHEMA))
    check_config(config)
    return config

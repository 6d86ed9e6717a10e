"""A config file as the workflow sees it, for tools outside Snakemake (``plan``,
``status``, benchmarks): the same strict read and one-line schema check
(``config_check``), schema defaults and semantic checks as the Snakefile and
``common.smk``, in the same order as far as the errors go."""

from __future__ import annotations

import os
from pathlib import Path

from sgd_support.sweep.config_check import SCHEMA, check_schema, read_config_file
from sgd_support.sweep.validation import check_config

REPO = Path(__file__).resolve().parents[3]  # the checkout this package runs from (src/sgd_support/sweep)
DEFAULT = REPO / "config.yaml"


def load_config(*paths: str | os.PathLike) -> dict:
    """The validated config of the file(s) ``paths`` (default: the repository's
    config.yaml; several are merged, later ones over earlier ones, as ``snakemake
    --configfile A B``) with the schema's defaults filled in (a sweep's ``batches``, for
    instance, which the run expansion reads)."""
    from snakemake.utils import update_config, validate  # the workflow's own (validate fills defaults)

    paths = paths or (DEFAULT,)
    config: dict = {}
    for path in paths:
        update_config(config, read_config_file(path))
    check_schema(config, paths)
    validate(config, str(SCHEMA))
    check_config(config)
    return config

"""RunSpecs for tests that train without a config: the schema's defaults
(workflow/schemas/config.schema.yaml, filled by the workflow's own validator) with the
fields a test names. RunSpec has no defaults of its own (the schema holds them)."""

from __future__ import annotations

from dataclasses import replace

from snakemake.utils import validate

from sgd_support.core.training import RunSpec
from sgd_support.sweep.config_check import SCHEMA
from sgd_support.sweep.runs import run_spec


def with_defaults(config: dict) -> dict:
    """``config`` with the schema's defaults filled in (in place), as the workflow sees it."""
    validate(config, str(SCHEMA))
    return config


def make_spec(**fields) -> RunSpec:
    """A RunSpec of the schema's defaults (a one-step GD run) with ``fields`` replaced."""
    config = {
        "datasets": {"d": {"kind": "synthetic"}},
        "models": {"m": {"widths": [1]}},
        "optimizers": {"o": {"steps": 1}},
        "sweeps": {
            "s": {"datasets": ["d"], "models": ["m"], "optimizers": ["o"], "lrs": [0.1], "init_seeds": [0]}
        },
    }
    with_defaults(config)
    run = {
        "dataset": "d",
        "model": "m",
        "optimizer": "o",
        "lr": "0.1",
        "batch": "full",
        "init": "0",
        "order": "0",
    }
    return replace(run_spec(config, run), **fields)

"""A run's spec as the training jobs receive it: the dict form of
:class:`~sgd_support.core.training.RunSpec` in the ``--run`` argument (``spec_from_dict``).

The config's side (the sweep's runs, each run's spec, the training groups) lives in
:mod:`sgd_support.sweep.runs`, outside the training code hash.
"""

from __future__ import annotations

from dataclasses import fields

from sgd_support.core.training import RunSpec


def spec_from_dict(values: dict) -> RunSpec:
    """Rebuild a RunSpec from its dict form (as passed to the training CLI)."""
    known = {f.name for f in fields(RunSpec)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown run spec keys: {sorted(unknown)}")
    return RunSpec(**values)

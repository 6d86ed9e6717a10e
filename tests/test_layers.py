"""The package's layers (sgd_support/__init__.py): the training core, then reporting,
sweep, experiments and cli, each importing only the layers above it. A module that
imports one below it fails here, naming both."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "sgd_support"
LAYERS = {"reporting": 1, "sweep": 2, "experiments": 3, "cli": 4}  # everything else: the core, 0


def layer(module: str) -> int:
    """The layer of a dotted module name under sgd_support."""
    parts = module.split(".")
    return LAYERS.get(parts[1], 0) if len(parts) > 1 else 0


def imports(path: Path) -> set[str]:
    """The sgd_support modules ``path`` imports (``from sgd_support.x import y`` names x)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sgd_support."):
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("sgd_support."))
    return out


def module_name(path: Path) -> str:
    return ".".join(("sgd_support", *path.relative_to(PACKAGE).with_suffix("").parts))


def test_every_import_goes_to_the_same_layer_or_above():
    wrong = [
        f"{module_name(path)} (layer {layer(module_name(path))}) imports {name} (layer {layer(name)})"
        for path in sorted(PACKAGE.rglob("*.py"))
        for name in sorted(imports(path))
        if layer(name) > layer(module_name(path))
    ]
    assert wrong == []


def test_the_check_sees_an_import_from_below():
    path = PACKAGE / "reporting" / "tables.py"
    assert layer(module_name(path)) == 1 and layer("sgd_support.experiments.images.plots") == 3
    assert "sgd_support.atomic" in imports(path)

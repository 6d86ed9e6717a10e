"""The package's layers (sgd_support/__init__.py): the training core, then reporting,
sweep, experiments and cli, each importing only the layers above it. A module that
imports one below it, by any route, fails here, naming both.

The routes: ``import``/``from ... import`` statements anywhere in a module (top level or
inside a function), relative imports, ``from sgd_support import x``, and imports by name
at run time, ``importlib.import_module(...)`` or ``__import__(...)``: with a literal or
f-string argument its module (an f-string's module is its text up to the first
placeholder), with any other argument every ``sgd_support.*`` module string the module
holds (``"pkg.mod"`` or ``"pkg.mod:attr"``), since any of them may be the one loaded."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "sgd_support"
LAYERS = {"core": 0, "reporting": 1, "sweep": 2, "experiments": 3, "cli": 4}
MODULE_STRING = re.compile(r"sgd_support(\.\w+)+(:\w+)?")
LOADERS = {"import_module", "__import__"}


def layer(module: str) -> int:
    """The layer of a dotted module name under sgd_support."""
    parts = module.split(".")
    return LAYERS.get(parts[1], 0) if len(parts) > 1 else 0  # the package itself, __version__: above all


def _loader(call: ast.Call) -> bool:
    """``importlib.import_module(...)``, ``import_module(...)`` or ``__import__(...)``."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name in LOADERS


def _loaded(arg: ast.expr) -> str | None:
    """The module a loader's argument names, if it is a literal or an f-string."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr):
        prefix = ""
        for part in arg.values:
            if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
                break
            prefix += part.value
        return prefix.rstrip(".") or None
    return None


def imports_of(source: str, module: str) -> set[str]:
    """The sgd_support modules the source of ``module`` imports, by any route (module doc)."""
    tree = ast.parse(source)
    package = module.split(".")[:-1]  # a module's package (an __init__'s: its own)
    out, by_variable = set(), False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, up level - 1
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            if base == "sgd_support":  # from sgd_support import x: x is a module or a name
                out.update(f"sgd_support.{a.name}" for a in node.names)
            elif base.startswith("sgd_support."):
                out.add(base)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("sgd_support."))
        elif isinstance(node, ast.Call) and _loader(node) and node.args:
            name = _loaded(node.args[0])
            if name is None:
                by_variable = True
            elif name.startswith("sgd_support"):
                out.add(name.split(":")[0])
    if by_variable:
        out.update(
            node.value.split(":")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and MODULE_STRING.fullmatch(node.value)
        )
    return out


def module_name(path: Path) -> str:
    return ".".join(("sgd_support", *path.relative_to(PACKAGE).with_suffix("").parts))


def wrong_imports(sources: dict[str, str]) -> list[str]:
    """'A (layer a) imports B (layer b)' for every import of ``sources`` ({module: source})
    that goes to a lower layer."""
    return [
        f"{module} (layer {layer(module)}) imports {name} (layer {layer(name)})"
        for module, source in sorted(sources.items())
        for name in sorted(imports_of(source, module))
        if layer(name) > layer(module)
    ]


def test_every_import_goes_to_the_same_layer_or_above():
    sources = {module_name(path): path.read_text() for path in sorted(PACKAGE.rglob("*.py"))}
    assert wrong_imports(sources) == []


def test_every_module_sits_in_a_layer():
    """No loose module at the package root: the tree shows each file's layer."""
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert loose == [] and folders == set(LAYERS)


def test_the_check_sees_every_route_from_below():
    reporting = "sgd_support.reporting.example"
    assert layer(reporting) == 1 and layer("sgd_support.experiments.images.figures") == 3
    routes = {
        "top level": "from sgd_support.sweep.targets import Targets",
        "plain import": "import sgd_support.cli.train",
        "package import": "from sgd_support import experiments",
        "relative": "from ..sweep import targets",
        "function-local": "def f():\n    from sgd_support.sweep import plan\n    return plan",
        "literal by name": "import importlib\nimportlib.import_module('sgd_support.experiments.toy.targets')",
        "f-string by name": "import importlib\n"
        "def f(family):\n    return importlib.import_module(f'sgd_support.experiments.{family}.targets')",
        "__import__": "__import__('sgd_support.cli.toy')",
        # the loop sweep/targets.py had: module names in a tuple, loaded by variable
        "variable by name": "import importlib\nFAMILIES = ('sgd_support.experiments.toy.targets',)\n"
        "def load():\n    return [importlib.import_module(f) for f in FAMILIES]",
    }
    for route, source in routes.items():
        assert wrong_imports({reporting: source}), route
    # the same imports are fine from the cli layer (the lowest), and from the core
    # strings that are not loaded are not imports
    assert not wrong_imports({"sgd_support.cli.example": routes["variable by name"]})
    assert not wrong_imports({reporting: "NAME = 'sgd_support.experiments.toy.targets'"})
    assert "sgd_support.core.atomic" in imports_of(
        (PACKAGE / "reporting" / "tables.py").read_text(), reporting
    )

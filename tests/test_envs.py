"""One environment source: every conda environment in envs/ installs exactly the
pins of pyproject.toml's [project.dependencies], so `--sdm conda` runs the versions
the tests ran with."""

import re
import tomllib

import pytest
import yaml
from conftest import REPO

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def pins(requirements: list[str]) -> dict[str, str]:
    """name -> version of requirements that must all be exact pins (``name==version``)."""
    out = {}
    for req in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;,]+)", req.strip())
        assert match, f"{req!r} is not an exact pin (name==version)"
        out[match[1].lower()] = match[2]
    return out


@pytest.mark.parametrize("env", sorted((REPO / "envs").glob("*.yaml")), ids=lambda p: p.name)
def test_conda_env_installs_exactly_the_pins(env):
    deps = yaml.safe_load(env.read_text())["dependencies"]
    pip = next(dep["pip"] for dep in deps if isinstance(dep, dict) and "pip" in dep)
    assert pins(pip) == pins(PROJECT["dependencies"])
    python = next(dep for dep in deps if isinstance(dep, str) and dep.startswith("python="))
    low = re.fullmatch(r">=(\d+\.\d+)", PROJECT["requires-python"])[1]
    assert python == f"python={low}"  # the lowest version the project supports, as the venv's


def test_optional_extras_are_pinned_too():
    for extra in PROJECT["optional-dependencies"].values():
        pins(extra)

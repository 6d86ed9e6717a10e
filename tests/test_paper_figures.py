"""The registry of the paper's figures: Figs. 1-19 each with a setting and a verdict,
every counterpart file a path some rule of the workflow writes, and the section's page
marking what a run makes."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from sgd_support.experiments.analyses import targets as analyses_targets
from sgd_support.experiments.families import all_targets
from sgd_support.experiments.head import targets as head_targets
from sgd_support.experiments.images import targets as images_targets
from sgd_support.experiments.synthetic import targets as synthetic_targets
from sgd_support.experiments.toy import targets as toy_targets
from sgd_support.reporting import paper_figures
from sgd_support.sweep import targets as sweep_targets
from sgd_support.sweep.config_check import load_config
from sgd_support.sweep.runs import expand_runs

REPO = Path(__file__).resolve().parents[1]


# The names under which workflow/rules/common.smk imports the modules that declare paths
# (the rules write ``synthetic.W1_GRID``, ``sweep.FINAL_RUNS``, ...: each path typed once)
PATH_MODULES = {
    "sweep": sweep_targets,
    "analyses": analyses_targets,
    "head": head_targets,
    "images": images_targets,
    "synthetic": synthetic_targets,
    "toy": toy_targets,
}


def rule_outputs() -> dict[str, set[str]]:
    """Per rule of workflow/rules/*.smk, the ``results/...`` paths in its body: quoted ones
    and the path constants it names (``module.NAME`` of PATH_MODULES)."""
    outputs = {}
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        for block in re.split(r"^rule ", smk.read_text(), flags=re.M)[1:]:
            name = block.split(":", 1)[0].strip()
            named = {
                getattr(PATH_MODULES[alias], const)
                for alias, const in re.findall(r"\b(\w+)\.([A-Z][A-Z0-9_]*)\b", block)
                if alias in PATH_MODULES
            }
            outputs[name] = set(re.findall(r'"(results/[^"]+)"', block)) | named
    return outputs


def test_every_figure_has_a_setting_a_verdict_and_known_files():
    registry = paper_figures.load()
    assert [f["figure"] for f in registry["figures"]] == list(range(1, 20))
    outputs = rule_outputs()
    for fig in registry["figures"]:
        assert fig["setting"].strip() and fig["verdict"]["text"].strip(), fig["figure"]
        assert fig["verdict"]["kind"] in paper_figures.VERDICTS
        for f in fig["files"]:
            assert f["pattern"] in outputs.get(f["rule"], set()), (fig["figure"], f)
            # a selected wildcard must be one the pattern has
            assert set(f.get("select", {})) <= set(re.findall(r"\{(\w+)\}", f["pattern"]))
        if fig["verdict"]["kind"] != "not made":
            assert fig["files"], f"Fig. {fig['figure']} is made but names no file"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda r: r["figures"].pop(16), "expected 1-19"),
        (lambda r: r["figures"][3].pop("setting"), "lacks setting"),
        (lambda r: r["figures"][3]["verdict"].update(text=" "), "needs a setting and a verdict"),
        (lambda r: r["figures"][3]["verdict"].update(kind="fine"), "verdict kind"),
        (lambda r: r["figures"][3]["verdict"].update(kind="pending"), "verdict kind"),
        (lambda r: r["figures"][3].update(experiment=["E99"]), "unknown experiment"),
    ],
)
def test_check_rejects_an_incomplete_registry(change, message):
    registry = copy.deepcopy(paper_figures.load())
    change(registry)
    with pytest.raises(ValueError, match=message):
        paper_figures.check(registry)


def test_section_marks_what_the_default_run_makes(tmp_path):
    config = load_config()
    targets = all_targets(config, expand_runs(config)).report
    figures = {f["figure"]: f for f in paper_figures.load()["figures"]}
    assert paper_figures.made_by_run(figures[1], targets) == [
        "results/figures/dataset=sine/model=linear3x15/lr=0.1/init=0/w1_gram.png"
    ]
    assert paper_figures.made_by_run(figures[3], targets) == [
        "results/figures/dataset=linear/model=linear3x15/init=0/irrelevant_norm.png",
        "results/figures/dataset=linear/model=linear3x15/init=1/irrelevant_norm.png",
    ]
    assert paper_figures.made_by_run(figures[8], targets) == []  # no features data set
    assert paper_figures.made_by_run(figures[16], targets) == []  # no ReLU network
    assert paper_figures.made_by_run(figures[15], targets) == [
        "results/figures/dataset=linear/model=linear3x15/lr=0.1/init=1/w1_gram.png"
    ]
    html, caption = tmp_path / "f.html", tmp_path / "f.rst"
    paper_figures.write_section(targets, html, caption)
    page = html.read_text()
    assert [int(n) for n in re.findall(r"<h3>Fig\. (\d+):", page)] == list(range(1, 20))
    made = sum(bool(paper_figures.made_by_run(f, targets)) for f in figures.values())
    assert caption.read_text().startswith(f"**This run** makes a counterpart of {made} of the paper's 19")


def test_pattern_regex_fixes_selected_wildcards_only():
    regex = paper_figures.pattern_regex("results/x/dataset={dataset}/lr={lr}/a.png", {"dataset": "sine"})
    assert regex.match("results/x/dataset=sine/lr=0.1/a.png")
    listed = paper_figures.pattern_regex("results/{init}.png", {"init": ["1", "2"]})
    assert listed.match("results/2.png") and not listed.match("results/0.png")
    assert not regex.match("results/x/dataset=linear/lr=0.1/a.png")
    assert not regex.match("results/x/dataset=sine/lr=0.1/sub/a.png")

"""The registry of the paper's figures (``paper_figures.yaml``, package data) and the
report's section "The paper's figures".

For each of Figs. 1-19 of the paper the registry holds the setting the paper states,
the files this pipeline makes as its counterpart (each a path pattern of the rule that
writes it, with the wildcard values that select the figure), the config that makes it
at the paper's scale, what differs from the paper, and a verdict from looking at both
the authors' figure and ours: "same picture", "differs" (because ...), "not made"
(needs ...); every figure has one of the three (a figure waiting for a run is
not accounted for, so "pending" is refused). It also fixes the order in which the
paper first shows each experiment (:data:`EXPERIMENT_ORDER`), which the claims
checklist follows.

The section marks, per figure, which of its counterpart files this run makes
(the run's report targets, :func:`sgd_support.experiments.families.all_targets`).
"""

from __future__ import annotations

import html
import os
import re
from functools import cache
from pathlib import Path

import yaml

from sgd_support.core.atomic import atomic_path
from sgd_support.reporting.tables import CSS

REGISTRY = Path(__file__).with_name("paper_figures.yaml")
FIGURES = range(1, 20)  # the paper's Figs. 1-19
VERDICTS = ("same picture", "differs", "not made")
FIELDS = ("figure", "where", "caption", "experiment", "setting", "files", "config", "differs", "verdict")
TITLE = "The paper's figures"


@cache
def load(path: str | os.PathLike = REGISTRY) -> dict:
    """The registry: ``experiments`` (in the paper's order) and ``figures`` (Figs. 1-19)."""
    registry = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    check(registry)
    return registry


def check(registry: dict) -> None:
    """Every figure 1-19 once, in order, with every field, a setting and a verdict of
    a known kind; every experiment a figure names is in ``experiments``."""
    numbers = [f.get("figure") for f in registry["figures"]]
    if numbers != list(FIGURES):
        raise ValueError(f"paper_figures: figures {numbers}, expected 1-19 in order")
    known = {e["id"] for e in registry["experiments"]}
    for fig in registry["figures"]:
        missing = [k for k in FIELDS if k not in fig]
        if missing:
            raise ValueError(f"paper_figures: Fig. {fig['figure']} lacks {', '.join(missing)}")
        if not str(fig["setting"]).strip() or not str(fig["verdict"].get("text", "")).strip():
            raise ValueError(f"paper_figures: Fig. {fig['figure']} needs a setting and a verdict text")
        if fig["verdict"].get("kind") not in VERDICTS:
            raise ValueError(f"paper_figures: Fig. {fig['figure']} verdict kind not in {VERDICTS}")
        if not set(fig["experiment"]) <= known:
            raise ValueError(f"paper_figures: Fig. {fig['figure']} names an unknown experiment")


def pattern_regex(pattern: str, values: dict | None = None) -> re.Pattern:
    """A regex for the paths a rule's ``pattern`` makes, its wildcards fixed to
    ``values`` where given (a value or a list of them, e.g. ``{"dataset": "sine"}``) and
    free otherwise."""
    values = values or {}
    parts, last = [], 0
    for match in re.finditer(r"\{(\w+)\}", pattern):
        parts.append(re.escape(pattern[last : match.start()]))
        name = match.group(1)
        chosen = values.get(name)
        chosen = [chosen] if chosen is not None and not isinstance(chosen, list) else chosen
        parts.append("(?:" + "|".join(re.escape(str(v)) for v in chosen) + ")" if chosen else r"[^/]+")
        last = match.end()
    parts.append(re.escape(pattern[last:]))
    return re.compile("".join(parts) + "$")


def made_by_run(fig: dict, targets: list[str]) -> list[str]:
    """The run's report targets that are this figure's counterpart files."""
    regexes = [pattern_regex(f["pattern"], f.get("select")) for f in fig["files"]]
    return [t for t in targets if any(r.match(t) for r in regexes)]


def _experiments() -> list[dict]:
    return load()["experiments"]


EXPERIMENT_ORDER = tuple(e["id"] for e in _experiments())
EXPERIMENT_TITLES = {e["id"]: e["title"] for e in _experiments()}


def write_section(targets: list[str], html_path: str | os.PathLike, caption_path: str | os.PathLike) -> None:
    """The section's page (one block per figure) and its caption numbers (how many of
    the 19 figures this run makes a counterpart of, and the verdicts' counts)."""
    figures = load()["figures"]
    made = {fig["figure"]: made_by_run(fig, targets) for fig in figures}
    parts = [
        "<!DOCTYPE html>",
        f"<html><head><meta charset='utf-8'><title>{TITLE}</title>",
        f"<style>\n{CSS}\n.fig {{ margin-bottom: 1.2em; }} .fig td:first-child {{ width: 16%; }}"
        "\ncode { font-size: 12px; }\n</style></head><body>",
        f"<h2>{TITLE}</h2>",
        "<p>Each of the paper's figures: the setting the paper states, the files this pipeline makes "
        "as its counterpart (the rule and the path; those this run made are listed), the config that "
        "makes it at the paper's scale, what differs, and the verdict from comparing the authors' "
        "figure with ours.</p>",
    ]
    for fig in figures:
        files = "<br>".join(
            f"rule <code>{html.escape(f['rule'])}</code>: <code>{html.escape(f['pattern'])}</code>"
            + (
                " with " + html.escape(", ".join(f"{k}={v}" for k, v in f["select"].items()))
                if f.get("select")
                else ""
            )
            for f in fig["files"]
        )
        ours = made[fig["figure"]]
        rows = [
            ("where", fig["where"]),
            ("paper's setting", fig["setting"]),
            ("experiment", ", ".join(fig["experiment"])),
            ("config at the paper's scale", fig["config"] or "none"),
            ("what differs", fig["differs"]),
            ("verdict", f"{fig['verdict']['kind']}: {fig['verdict']['text']}"),
        ]
        body = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
        body += f"<tr><td>counterpart files</td><td>{files or 'none'}</td></tr>"
        body += (
            "<tr><td>made by this run</td><td>"
            + ("<br>".join(f"<code>{html.escape(p)}</code>" for p in ours) or "none (not in this config)")
            + "</td></tr>"
        )
        parts.append(
            f'<div class="fig"><h3>Fig. {fig["figure"]}: {html.escape(fig["caption"])}</h3>'
            f"<table>{body}</table></div>"
        )
    parts.append("</body></html>")
    with atomic_path(html_path) as tmp:
        tmp.write_text("\n".join(parts) + "\n", encoding="utf-8")
    kinds = [fig["verdict"]["kind"] for fig in figures]
    counts = ", ".join(f"{kinds.count(k)} {k}" for k in VERDICTS if kinds.count(k))
    with atomic_path(caption_path) as tmp:
        tmp.write_text(
            f"**This run** makes a counterpart of {sum(bool(v) for v in made.values())} of the paper's "
            f"19 figures. Verdicts: {counts}.\n"
        )

"""The report's one HTML table writer: pandas' Styler under one stylesheet, on pages
that need nothing outside themselves (the report embeds them as they are); and the
one writer of the tables the rules read back, as Parquet (``write_parquet``).

Every table of the report (the claims checklist, the final summary, the analyses'
tables and claims, the image experiments' metrics) is written here, so they share
one look: numbers to 4 significant digits (an lr as its run folder writes it), empty
cells for missing values, text escaped, a claim's verdict cell coloured by its class
(``VERDICT_CLASSES``), and a run's name marked with its colour in the figures where a
table lists runs.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass

import pandas as pd

from sgd_support.core.atomic import atomic_path
from sgd_support.reporting.run_paths import format_lr

# A verdict cell's class -> its colour (the claims checklist's PASS, FAIL, not decided,
# and FAIL of a claim the paper does not make for those networks)
VERDICT_CLASSES = {"pass": "#d4edda", "fail": "#f8d7da", "undecided": "#fff3cd", "unclaimed": "#e2e3e5"}
CSS = "\n".join(
    [
        "body { font-family: system-ui, sans-serif; font-size: 14px; margin: 1em; }",
        "table { border-collapse: collapse; margin-bottom: 1.5em; }",
        "th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }",
        "th { background: #f0f0f0; }",
        *(
            f"td.{cls} {{ background: {colour}; font-weight: bold; }}"
            for cls, colour in VERDICT_CLASSES.items()
        ),
    ]
)


@dataclass
class Table:
    """One table of a page: its frame, an optional heading above it, and for a claims
    table the class of each row's verdict (a key of VERDICT_CLASSES) that colours the
    cell of ``verdict_column``."""

    frame: pd.DataFrame
    heading: str = ""
    verdicts: list[str] | None = None
    verdict_column: str | None = None
    # A colour per row ('#rrggbb'; '' for none) shown as a bar at the left of the cells of
    # ``swatch_column``: a run's colour in the figures (figure_style.colour_hex).
    swatches: list[str] | None = None
    swatch_column: str | None = None


def format_cell(value) -> str:
    """A cell as text: floats to 4 significant digits, missing values empty."""
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:.4g}"
    return "" if value is None or value is pd.NA else str(value)


def format_lr_cell(value) -> str:
    """An ``lr`` cell as its run folder writes it (``run_paths.format_lr``), not to 4 digits."""
    return format_lr(value) if isinstance(value, float) and not pd.isna(value) else format_cell(value)


def table_html(table: Table, table_id: str = "table") -> str:
    """``table`` as an HTML <table> (Styler: escaped text, no index, verdict classes);
    ``table_id`` replaces Styler's random one, so a rerun writes the same bytes."""
    frame = table.frame.reset_index(drop=True)
    styler = frame.style.set_uuid(table_id).hide(axis="index").format(format_cell, escape="html")
    if "lr" in frame.columns:
        styler = styler.format(format_lr_cell, subset=["lr"], escape="html")
    if table.verdicts is not None:
        if len(table.verdicts) != len(frame) or table.verdict_column not in frame.columns:
            raise ValueError("verdicts need one class per row and a verdict_column of the frame")
        classes = pd.DataFrame("", index=frame.index, columns=frame.columns)
        classes[table.verdict_column] = table.verdicts
        styler = styler.set_td_classes(classes)
    if table.swatches is not None:
        if len(table.swatches) != len(frame) or table.swatch_column not in frame.columns:
            raise ValueError("swatches need one colour per row and a swatch_column of the frame")
        bars = [f"border-left: 10px solid {c}" if c else "" for c in table.swatches]
        styler = styler.apply(lambda _: bars, subset=[table.swatch_column], axis=0)
    return styler.to_html()


def write_html_page(path: str | os.PathLike, title: str, tables: list[Table], intro: str = "") -> None:
    """One self-contained HTML page: the title, an intro paragraph, each table under its
    heading. Written atomically."""
    parts = [
        "<!DOCTYPE html>",
        f"<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>\n{CSS}\n</style></head><body>",
        f"<h2>{html.escape(title)}</h2>",
    ]
    if intro:
        parts.append(f"<p>{html.escape(intro)}</p>")
    for index, table in enumerate(tables):
        if table.heading:
            parts.append(f"<h3>{html.escape(table.heading)}</h3>")
        parts.append(table_html(table, f"table{index}"))
    parts.append("</body></html>")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(parts) + "\n", encoding="utf-8")


def write_parquet(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``frame`` as Parquet (no index), atomically."""
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)

"""Self-contained HTML tables for the report (no external CSS or scripts)."""

from __future__ import annotations

import html
import os

import pandas as pd

from sgd_support.atomic import atomic_path

STYLE = """
body { font-family: system-ui, sans-serif; font-size: 14px; margin: 1em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
tr.pass td.verdict { background: #d4edda; font-weight: bold; }
tr.fail td.verdict { background: #f8d7da; font-weight: bold; }
tr.undecided td.verdict { background: #fff3cd; font-weight: bold; }
tr.unclaimed td.verdict { background: #e2e3e5; font-weight: bold; }
"""


def write_html_table(
    frame: pd.DataFrame,
    path: str | os.PathLike,
    title: str,
    intro: str = "",
    row_classes: list[str] | None = None,
    verdict_column: str | None = None,
) -> None:
    """Write ``frame`` as one HTML page: title, an intro paragraph, the table.

    row_classes: a CSS class per row (pass / fail / undecided / unclaimed colour the
    cell of ``verdict_column``).
    """
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for i, row in enumerate(frame.itertuples(index=False)):
        cls = f' class="{row_classes[i]}"' if row_classes else ""
        cells = "".join(
            f"<td{' class=verdict' if col == verdict_column else ''}>{html.escape(_fmt(v))}</td>"
            for col, v in zip(frame.columns, row)
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h2>{html.escape(title)}</h2><p>{html.escape(intro)}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></body></html>"
    )
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")


def _fmt(value) -> str:
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:.4g}"
    return "" if value is None else str(value)

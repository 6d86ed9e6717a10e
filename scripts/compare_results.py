#!/usr/bin/env python3
"""Compare two results trees of the pipeline: the same files, the same Parquet columns
and data, the same claims, tables and captions. For checking that a refactor changed
no number (run the pipeline before and after into two checkouts, then compare).

Usage: scripts/compare_results.py BEFORE/results AFTER/results

Parquet files are compared by their data (pyarrow's file metadata, which holds
provenance such as git commit and host, is left out), exactly, except the columns
that time a job (TIMING); tsv and rst files by their text. Figures (png) and html
pages are compared by name only: their bytes carry renderer and layout details.
Exits 1 when anything differs, listing each difference.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

# Columns that measure how long a job took, not what it computed
TIMING = ("wall_time_s", "steps_per_s", "elapsed_s")
TEXT = (".tsv", ".rst")
# Folders whose files time or log the jobs rather than hold results, and the damaged
# files `sgd-support repair` moved aside
SKIPPED = ("benchmarks", "checkpoints", ".damaged")


def result_files(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).parts[0] not in SKIPPED
    }


def parquet_difference(before: Path, after: Path) -> str | None:
    a, b = (pq.read_table(p).to_pandas() for p in (before, after))
    if list(a.columns) != list(b.columns):
        return f"columns {list(a.columns)} != {list(b.columns)}"
    a, b = (f.drop(columns=[c for c in f.columns if c in TIMING]) for f in (a, b))
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    except AssertionError as error:
        return str(error).splitlines()[0] + " " + " ".join(str(error).splitlines()[1:4])
    return None


def compare(before: Path, after: Path) -> list[str]:
    """Every difference between the two trees, one line each."""
    names_a, names_b = result_files(before), result_files(after)
    out = [f"only in {before}: {n}" for n in sorted(names_a - names_b)]
    out += [f"only in {after}: {n}" for n in sorted(names_b - names_a)]
    for name in sorted(names_a & names_b):
        a, b = before / name, after / name
        if name.endswith(".parquet"):
            diff = parquet_difference(a, b)
        elif name.endswith(TEXT):
            diff = None if a.read_text() == b.read_text() else "text differs"
        else:
            continue
        if diff:
            out.append(f"{name}: {diff}")
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    before, after = map(Path, argv)
    differences = compare(before, after)
    compared = sum(n.endswith((".parquet", *TEXT)) for n in result_files(before) & result_files(after))
    for line in differences:
        print(line)
    print(f"{compared} data files compared, {len(differences)} difference(s)")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The DuckDB query of docs/results-and-queries.md runs on a sweep's Parquet files and gives
what pandas gives."""

import re

import duckdb
import pandas as pd
from conftest import REPO

from sgd_support.core.storage import write_trajectory

RUN_DIR = (
    "results/runs/dataset=linear/model=lin/optimizer={optimizer}/lr=0.1/batch={batch}/init=0/order={order}"
)


def doc_query() -> str:
    """The one ```sql block of docs/results-and-queries.md, as printed there."""
    doc = (REPO / "docs" / "results-and-queries.md").read_text()
    (query,) = re.findall(r"```sql\n(.*?)```", doc, flags=re.S)
    return query


def test_the_docs_duckdb_query_on_a_tiny_sweep(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the query's path is relative to where the results are
    finals = {("gd", "full", 0): 4.0, ("sgd", "16", 0): 2.0, ("sgd", "16", 1): 3.0, ("sgd", "1", 0): 1.0}
    for (optimizer, batch, order), final in finals.items():
        rows = [{"step": s, "irrelevant_norm": 5.0 - s / 10 * (5.0 - final)} for s in range(11)]
        path = tmp_path / RUN_DIR.format(optimizer=optimizer, batch=batch, order=order) / "trajectory.parquet"
        path.parent.mkdir(parents=True)
        write_trajectory(path, rows, "completed", {})
    got = duckdb.sql(doc_query()).df()
    # batch is text ("full" is no number), so ORDER BY sorts it as text
    expected = pd.DataFrame(
        {
            "dataset": ["linear"] * 3,
            "optimizer": ["gd", "sgd", "sgd"],
            "batch": ["full", "1", "16"],
            "runs": [1, 1, 2],
            "final_irrelevant_norm": [4.0, 1.0, 2.5],
        }
    )
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_the_docs_duckdb_source_keeps_columns_only_some_runs_have(tmp_path, monkeypatch):
    """The README's read_parquet(...) over a synthetic run and an image run: test_accuracy,
    which only the image run records, is there (without union_by_name DuckDB takes the
    first file's columns and fails with a Binder Error)."""
    monkeypatch.chdir(tmp_path)
    (source,) = re.findall(r"read_parquet\([^)]*\)", doc_query())
    synthetic = tmp_path / RUN_DIR.format(optimizer="gd", batch="full", order=0) / "trajectory.parquet"
    image = tmp_path / RUN_DIR.format(optimizer="sgd", batch="16", order=0).replace("linear", "mnist5k")
    image = image / "trajectory.parquet"
    write_trajectory(synthetic, [{"step": 0, "irrelevant_norm": 1.0}], "completed", {})
    write_trajectory(image, [{"step": 0, "irrelevant_norm": 2.0, "test_accuracy": 0.9}], "completed", {})
    got = duckdb.sql(f"SELECT dataset, test_accuracy FROM {source} ORDER BY dataset").fetchall()
    assert got == [("linear", None), ("mnist5k", 0.9)]

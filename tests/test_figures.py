"""Figure math (Gram matrices, support share) and that the figure functions draw
what they are given, diverged groups included."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from sgd_support.experiments.synthetic.norm_curves import caption_numbers, plot_norm_curves
from sgd_support.experiments.synthetic.weight_grids import (
    deep_numbers,
    gram,
    plot_weight_grid,
    support_share,
    w1_numbers,
)
from sgd_support.reporting.tables import Table, write_html_page


def test_gram_is_abs_w_transpose_w():
    w = np.array([[1.0, -2.0, 0.0], [3.0, 1.0, -1.0]])  # (out=2, in=3)
    expected = np.abs(np.array([[10.0, 1.0, -3.0], [1.0, 5.0, -1.0], [-3.0, -1.0, 1.0]]))
    # float64 on small integers: measured deviation 0 (AMD EPYC); allclose's default 1e-7
    np.testing.assert_allclose(gram(w), expected)


def test_support_share():
    support = np.array([True, True, False])
    found = np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 0.0]])  # irrelevant column zero: all mass on the support
    assert support_share(found, support) == pytest.approx(1.0)
    spread = np.ones((4, 3))
    assert support_share(spread, support) == pytest.approx(4 / 9)
    assert np.isnan(support_share(np.zeros((4, 3)), support))  # no layer left: no share


def test_weight_grid_draws_a_png_and_its_numbers(tmp_path):
    rng = np.random.default_rng(0)
    init = [
        rng.normal(size=(4, 6)),
        rng.normal(size=(4, 4)),
        rng.normal(size=(4, 4)),
        rng.normal(size=(1, 4)),
    ]
    found = [w.copy() for w in init]
    found[0][:, 2:] = 0
    ends = {"GD": init, "SGD-1": found, "SGD-512": None}
    support = np.array([True, True, False, False, False, False])
    path = tmp_path / "grid.png"
    plot_weight_grid(init, ends, [("abs", 0), ("gram", 0)], path, "title")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = w1_numbers(init, ends, support)
    assert "SGD-1 0.000 / 1.00" in text and "SGD-512: diverged" in text
    assert "GD 0.00 / 0.00" in deep_numbers(init, ends, [1, 2])


def test_norm_curves_draw_and_list_diverged_runs(tmp_path):
    steps = np.arange(0, 11)
    quantiles = pd.DataFrame(
        [
            {
                "lr": "0.1",
                "label": label,
                "step": s,
                "n_runs": 2,
                **{
                    f"{m}_q{q}": 4.0 - k * s / 10
                    for m in ("irrelevant_norm", "full_loss")
                    for q in ("10", "50", "90")
                },
            }
            for k, label in ((0.1, "GD"), (1.0, "SGD-1"))
            for s in steps
        ]
    )

    def run(label, kind, batch, status, norm, steps):
        return {
            "lr": "0.1",
            "label": label,
            "kind": kind,
            "batch": batch,
            "optimizer": kind,
            "status": status,
            "final_irrelevant_norm": norm,
            "steps": steps,
            "init_irrelevant_norm": 4.0,
        }

    final = pd.DataFrame(
        [
            run("GD", "gd", "full", "completed", 3.0, 10),
            run("SGD-1", "sgd", "1", "completed", 1.0, 10),
            run("SGD-1", "sgd", "1", "diverged", 1e9, 3),
        ]
    ).assign(dataset="lin", model="m", init="0")
    path = tmp_path / "curves.png"
    plot_norm_curves(quantiles, final, path, "title")
    assert path.stat().st_size > 10_000
    text = caption_numbers(final)
    assert "GD 3.000 at step 10" in text and "SGD-1 1.000 at step 10, 1 diverged" in text


def test_html_table_escapes_formats_and_colours(tmp_path):
    frame = pd.DataFrame({"claim": ["a < b", "c"], "value": [1.23456, np.nan], "passed": ["PASS", "FAIL"]})
    table = Table(frame, "claims", verdicts=["pass", "fail"], verdict_column="passed")
    write_html_page(tmp_path / "t.html", "T", [table, Table(frame)])
    page = (tmp_path / "t.html").read_text()
    assert "a &lt; b" in page and ">1.235</td>" in page and "nan" not in page
    # the verdict cells of the first table carry their class (coloured by the page's CSS)
    cells = re.findall(r'<td id="\w+" class="data row\d+ col2 ?(\w*)" >(\w+)</td>', page)
    assert cells == [("pass", "PASS"), ("fail", "FAIL"), ("", "PASS"), ("", "FAIL")]
    assert "td.pass {" in page and page.count("<table") == 2
    # no random ids: a rerun writes the same bytes
    write_html_page(tmp_path / "u.html", "T", [table, Table(frame)])
    assert (tmp_path / "u.html").read_text() == page

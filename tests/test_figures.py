"""Figure math (Gram matrices, support share) and that the figure functions draw
what they are given, diverged groups included."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgb

from sgd_support.experiments.analyses import figures as analysis_figures
from sgd_support.experiments.images import figures as image_figures
from sgd_support.experiments.images.analysis import numerical_zero
from sgd_support.experiments.synthetic import figures as synthetic_figures
from sgd_support.experiments.synthetic.figures import (
    REFERENCE_LABEL,
    caption_numbers,
    deep_numbers,
    gram,
    plot_norm_curves,
    plot_weight_grid,
    support_share,
    w1_numbers,
)
from sgd_support.experiments.toy import figures as toy_figures
from sgd_support.reporting.figure_style import PAPER_COLOURS, colour_hex, colours, run_colour
from sgd_support.reporting.tables import Table, write_html_page


@pytest.fixture
def drawn(monkeypatch):
    """``drawn(module)``: the figures ``module`` saves from then on, kept for inspection
    (each is still written by the real save_figure)."""
    figures = []

    def keep(module):
        real = module.save_figure

        def save(fig, path):
            figures.append(fig)
            real(fig, path)

        monkeypatch.setattr(module, "save_figure", save)
        return figures

    return keep


def test_each_optimizer_has_the_papers_colour():
    # the paper's Fig. 3, 11, 14: GD red, SGD-512 orange, SGD-128 blue, SGD-32 green,
    # SGD-1 purple, GD+wd brown (matplotlib's named colours)
    paper = {"GD": "red", "SGD-512": "orange", "SGD-128": "blue", "SGD-32": "green", "SGD-1": "purple"}
    assert {**paper, "GD+wd": "brown"} == PAPER_COLOURS
    assert colours(list(PAPER_COLOURS)) == PAPER_COLOURS
    # the same label has the same colour whichever figure asks, with whichever others
    assert colours(["SGD-32", "SGD-2048"])["SGD-32"] == colours(["SGD-1", "SGD-32"])["SGD-32"] == "green"
    assert run_colour("GD (gd_long)") == "red" and run_colour("SGD b=1 in order") == "purple"


def test_other_batch_sizes_get_colours_distinct_from_the_papers():
    labels = ["SGD-8", "SGD-256", "SGD-2048", "SGD-7", "SGD-9", "SGD+wd-32", "SGD-32+wd", "SGD b=1 shuffled"]
    palette = colours(labels)
    paper = {to_rgb(c) for c in PAPER_COLOURS.values()}
    rgbs = [to_rgb(palette[lab]) for lab in labels[:-2]] + [to_rgb(palette["SGD b=1 shuffled"])]
    assert not paper & set(rgbs)
    assert len(set(rgbs)) == len(rgbs)  # and from each other (the two +wd spellings are one run kind)
    assert palette["SGD+wd-32"] == palette["SGD-32+wd"] != run_colour("SGD-32")
    assert colour_hex("GD") == "#ff0000" and colour_hex("GD+wd") == "#a52a2a"


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


def test_weight_grid_scales_each_panel_on_its_own(tmp_path, drawn):
    """Each heatmap runs from 0 to its own maximum (the paper's figures), so a large Gram
    block (SGD-1's) does not black out the others; scale="row" shares one per row."""
    rng = np.random.default_rng(1)
    init = [rng.normal(size=(4, 6)), rng.normal(size=(1, 4))]
    big, small = [w.copy() for w in init], [w.copy() for w in init]
    big[0][:, :2] *= 30  # a Gram block ~900x the init's
    small[0] *= 0.01
    ends = {"SGD-32": small, "SGD-1": big, "SGD-8": None}
    figures = drawn(synthetic_figures)
    plot_weight_grid(init, ends, [("abs", 0), ("gram", 0)], tmp_path / "p.png", "t")
    plot_weight_grid(init, ends, [("abs", 0), ("gram", 0)], tmp_path / "r.png", "t", scale="row")
    per_panel, per_row = figures
    for fig, shared in ((per_panel, False), (per_row, True)):
        images = [im for ax in fig.axes for im in ax.get_images()]
        assert len(images) == 6  # 2 rows x (init, SGD-32, SGD-1); SGD-8 diverged: a note
        for im in images:
            data = np.asarray(im.get_array())
            low, high = im.get_clim()
            assert low == 0
            if not shared:
                assert high == pytest.approx(data.max())
        if shared:  # one top per row: the row's maximum
            assert len({im.get_clim()[1] for im in images}) == 2
    titles = [ax.get_title() for ax in per_panel.axes if ax.get_label() != "<colorbar>"]
    assert "SGD-32 (~0)" not in titles  # 1e-4 of the row's maximum: small, not zero
    colour_bars = [ax for ax in per_panel.axes if ax.get_label() == "<colorbar>"]
    assert len(colour_bars) == 6  # one per panel
    gone = [w.copy() for w in init]
    gone[0] *= 1e-20  # weight decay took the layer to rounding level
    plot_weight_grid(init, {"GD+wd": gone}, [("abs", 0)], tmp_path / "z.png", "t")
    assert [ax.get_title() for ax in figures[-1].axes[:2]] == ["|W1| at init", "GD+wd (~0)"]
    with pytest.raises(ValueError, match="scale"):
        plot_weight_grid(init, ends, [("abs", 0)], tmp_path / "x.png", "t", scale="global")


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


def curve_rows(label: str, steps: np.ndarray, n_runs: int, start: float, slope: float) -> list[dict]:
    """trajectory_quantiles rows of one label at lr 0.1, a line spread +-0.1 around its median."""
    return [
        {
            "lr": "0.1",
            "label": label,
            "step": s,
            "n_runs": n_runs,
            **{
                f"{m}_q{q}": start - slope * s + {"10": -0.1, "50": 0.0, "90": 0.1}[q]
                for m in ("irrelevant_norm", "full_loss")
                for q in ("10", "50", "90")
            },
        }
        for s in steps
    ]


def final_rows(runs: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    """final_runs rows: (label, kind, batch, steps) each, completed."""
    return pd.DataFrame(
        [
            {
                "lr": "0.1",
                "label": label,
                "kind": kind,
                "batch": batch,
                "optimizer": kind,
                "status": "completed",
                "final_irrelevant_norm": 1.0,
                "steps": steps,
                "init_irrelevant_norm": 4.0,
            }
            for label, kind, batch, steps in runs
        ]
    ).assign(dataset="lin", model="m", init="0")


def test_norm_curves_band_only_where_several_runs_and_gd_held_flat(tmp_path, drawn):
    """A band where a label has n > 1 runs only (one run has no spread), the paper's
    colours, GD's last value drawn on (dashed, labelled) to the SGD runs' last step, and
    the reference markers named for what they are: the authors' code, re-run."""
    quantiles = pd.DataFrame(
        curve_rows("GD", np.arange(1, 21), 1, 4.0, 0.05)
        + curve_rows("SGD-32", np.arange(1, 201), 3, 4.0, 0.01)
    )
    final = final_rows([("GD", "gd", "full", 20), ("SGD-32", "sgd", "32", 200)])
    paper = pd.DataFrame(
        {"lr": ["0.1"], "label": ["SGD-32"], "step": [100], "paper_low": [3.0], "paper_high": [3.0]}
    )
    figures = drawn(synthetic_figures)
    plot_norm_curves(quantiles, final, tmp_path / "c.png", "title", paper)
    (fig,) = figures
    norm_ax, loss_ax = fig.axes[0], fig.axes[1]
    for ax in (norm_ax, loss_ax):
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == 1 and to_rgb(bands[0].get_facecolor()[0][:3]) == to_rgb("green")
    lines = {line.get_label(): line for line in norm_ax.get_lines()}
    assert to_rgb(lines["GD (n=1)"].get_color()) == to_rgb("red")
    held = lines["GD held flat after step 20"]
    assert held.get_linestyle() == "--"
    assert list(held.get_xdata()) == [20, 200] and list(held.get_ydata()) == [3.0, 3.0]
    assert not [line for line in loss_ax.get_lines() if "held" in line.get_label()]  # the norm only
    legend = fig.legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    assert REFERENCE_LABEL == "authors' code, re-run" and REFERENCE_LABEL in texts
    assert "band: 10-90% (where n > 1)" in legend.get_title().get_text()

    # every label with one run: no band anywhere, and the legend says none
    single = quantiles.assign(n_runs=1)
    plot_norm_curves(single, final, tmp_path / "d.png", "title")
    fig = figures[-1]
    assert not [c for ax in fig.axes for c in ax.collections if isinstance(c, PolyCollection)]
    assert fig.legends[0].get_title().get_text() == "one run per line"


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


def test_spectrum_stops_at_the_numerical_zero(tmp_path, drawn):
    """Eigenvalues that are zero to rounding (eigvalsh returns a never-lit pixel's 0 as
    noise down to 1e-35) are counted in the note, not drawn on the log axis."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 12))
    x[:, 8:] = 0  # four never-lit pixels
    eig = np.clip(np.linalg.eigvalsh(np.cov(x, rowvar=False))[::-1], 0, None)
    eig[-2:] = [1e-20, 1e-35]  # as eigvalsh returns them on MNIST
    floor = numerical_zero(eig)
    assert floor == pytest.approx(eig.max() * 12 * np.finfo(np.float64).eps)
    figures = drawn(image_figures)
    image_figures.spectrum_plot(eig, "t", "note", tmp_path / "s.png")
    right = figures[0].axes[1]
    sorted_line = right.get_lines()[0]
    assert len(sorted_line.get_ydata()) == 8 and min(sorted_line.get_ydata()) > floor
    assert right.get_ylim()[0] >= floor / 10
    assert "4 zero to rounding" in right.texts[0].get_text()


def test_table_marks_each_run_with_its_colour(tmp_path):
    frame = pd.DataFrame({"optimizer": ["GD", "SGD-32"], "value": [1.0, 2.0]})
    table = Table(frame, swatches=[colour_hex("GD"), colour_hex("SGD-32")], swatch_column="optimizer")
    write_html_page(tmp_path / "t.html", "T", [table])
    page = (tmp_path / "t.html").read_text()
    assert "border-left: 10px solid #ff0000" in page and "border-left: 10px solid #008000" in page
    with pytest.raises(ValueError, match="swatch"):
        write_html_page(
            tmp_path / "u.html", "T", [Table(frame, swatches=["#000000"], swatch_column="optimizer")]
        )


def rendered(fig):
    """Draw a saved (closed) figure again on an Agg canvas; its renderer, for the
    display-space boxes of its texts."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def overlaps(a, b) -> bool:
    """Whether two display-space boxes share more than a pixel."""
    return a.x0 < b.x1 - 1 and b.x0 < a.x1 - 1 and a.y0 < b.y1 - 1 and b.y0 < a.y1 - 1


def theorem1_inputs():
    """A per-step table, fits and D(t) curves as theorem1.analyse returns them: two
    (dataset, model) rows of panels, D ~ lr^2/b per step, SGD-512's curve noisy around 0."""
    rng = np.random.default_rng(0)
    rows, fits, curves = [], [], {}
    for dataset in ("linear", "sine"):
        for snap in (1000, 10000):
            for b in (8, 32, 128, 512):
                for lr in (0.00625, 0.0125, 0.025):
                    per = 3e-3 * lr**2 / b
                    rows.append(
                        {
                            "dataset": dataset,
                            "model": "m",
                            "snapshot": snap,
                            "lr": lr,
                            "batch": b,
                            "excess_per_step": per,
                            "se_per_step": per / 20,
                            "population_factor": 1.0,
                            "finite": True,
                            "predicted_per_step": per * 1.3,
                        }
                    )
                    d = per * np.arange(21) + (b == 512) * rng.normal(scale=3 * per, size=21)
                    curves[(dataset, "m", snap, lr, b)] = np.where(np.arange(21) == 0, 0.0, d)
            fits.append({"dataset": dataset, "model": "m", "snapshot": snap, "alpha": 2.0, "beta": 1.0})
    return pd.DataFrame(rows), pd.DataFrame(fits), curves


def test_theorem1_figure_labels_do_not_overlap(tmp_path, drawn):
    """E10's per-step figure: no two y tick labels of the symlog D(t) axis overlap (0 and
    +-linthresh did), no x label runs into the next row's titles, and the snapshots'
    markers of one cell sit side by side in the batch size's colour."""
    table, fits, curves = theorem1_inputs()
    figures = drawn(analysis_figures)
    analysis_figures.plot_theorem1(table, fits, curves, tmp_path / "t.png")
    (fig,) = figures
    renderer = rendered(fig)
    axes = np.array(fig.axes[:4]).reshape(2, 2)
    for ax in axes[:, 0]:
        boxes = [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]
        assert len(boxes) >= 3
        assert not any(overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    for top, bottom in zip(axes[0], axes[1]):
        assert not overlaps(
            top.xaxis.label.get_window_extent(renderer), bottom.title.get_window_extent(renderer)
        )
    measured = [
        line for line in axes[0, 1].get_lines() if line.get_marker() in "os" and len(line.get_xdata())
    ]
    by_batch = {}
    for line in measured:
        by_batch.setdefault(to_rgb(line.get_color()), set()).update(
            np.round(np.asarray(line.get_xdata(), float), 12)
        )
    assert to_rgb("orange") in by_batch and to_rgb("deeppink") in by_batch  # SGD-512, SGD-8
    # the two snapshots' markers of a cell are 12% apart in x, not on top of each other
    assert len(by_batch[to_rgb("orange")]) == 2 * 3


def test_full_batch_points_of_gd_and_gd_wd_differ(tmp_path, drawn):
    """E11: GD and GD+wd share the 'full' x position, so they need their own markers."""
    base = {"dataset": "linear", "model": "m", "lr": "0.1", "n_inits": 2}
    stats = {
        "cos_init": 0.5,
        "rel_dist": 0.4,
        "gram_agreement": 0.6,
        "gram_agreement_init": 0.3,
        "block_share": 0.7,
        "block_share_init": 0.2,
    }
    table = pd.DataFrame(
        [
            {**base, **stats, "optimizer": "gd", "batch": "full", "batch_size": 10000, "weight_decay": 0.0},
            {
                **base,
                **stats,
                "optimizer": "gd_wd",
                "batch": "full",
                "batch_size": 10000,
                "weight_decay": 0.1,
            },
            {**base, **stats, "optimizer": "sgd", "batch": "32", "batch_size": 32, "weight_decay": 0.0},
            {**base, **stats, "optimizer": "sgd", "batch": "1", "batch_size": 1, "weight_decay": 0.0},
        ]
    )
    figures = drawn(analysis_figures)
    analysis_figures.plot_init_dependence(table, tmp_path / "e11.png")
    ax = figures[0].axes[0]
    full = {c.get_label(): c.lines[0] for c in ax.containers if list(c.lines[0].get_xdata()) == [2]}
    gd, gd_wd = full["gd lr 0.1"], full["gd_wd lr 0.1"]
    assert gd.get_marker() != gd_wd.get_marker()
    assert to_rgb(gd.get_markeredgecolor()) == to_rgb("red")
    assert to_rgb(gd_wd.get_markeredgecolor()) == to_rgb("brown")


def test_toy_landscape_legend_leaves_the_plot_free(tmp_path, drawn):
    """The legend sits below the axes: inside, it covered the start point."""
    from sgd_support.experiments.toy.analysis import ToyRun

    steps = np.arange(50)
    runs = [
        ToyRun(
            {"dataset": "toy_landscape"},
            {"batch": batch, "lr": 0.01, "shuffle": False, "weight_decay": 0.0},
            pd.DataFrame({"step": steps, "a": 4 - steps * shrink, "b": 2 - steps * shrink / 2}),
        )
        for batch, shrink in ((None, 0.05), (1, 0.06))
    ]
    figures = drawn(toy_figures)
    toy_figures.landscape_figure(tmp_path / "l.png", np.ones(10), np.ones(10), runs)
    fig = figures[0]
    renderer = rendered(fig)
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.y1 < ax.get_window_extent(renderer).y0  # below the axes
    colours_drawn = {line.get_label(): line.get_color() for line in ax.get_lines()}
    assert colours_drawn["GD"] == "red" and colours_drawn["SGD b=1 in order"] == "purple"


def test_image_grids_leave_no_empty_slot(tmp_path, drawn):
    """Five panels, three per row: the last row's two are centred, no blank axes."""
    rng = np.random.default_rng(0)
    figures = drawn(image_figures)
    image_figures.eigen_histograms([(f"p{i}", rng.random(50), "") for i in range(5)], tmp_path / "h.png")
    image_figures.image_panels([(f"p{i}", rng.random((4, 4))) for i in range(5)], tmp_path / "f.png")
    for fig in figures:
        panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
        assert len(panels) == 5 and all(ax.get_visible() for ax in panels)
        top = sorted(ax.get_position().x0 for ax in panels[:3])
        bottom = sorted(ax.get_position().x0 for ax in panels[3:])
        # centred: the short row starts half a panel in, and is as far from either edge
        assert bottom[0] > top[0] + 0.1
        left_gap = bottom[0] - top[0]
        right_gap = max(ax.get_position().x1 for ax in panels[:3]) - max(
            ax.get_position().x1 for ax in panels[3:]
        )
        assert left_gap == pytest.approx(right_gap, abs=0.02)

"""The aggregation, figures, claims and report rules on a tiny sweep, and the built
report opened in headless Chromium.

The sweep (6 short runs) has two synthetic data sets (linear, staircase), a linear
and a ReLU model and an lr so large that its runs diverge, so the report code's
paths run: figures per (data set, model, lr, init), a model without
hidden-to-hidden layers (no deep-Gram grid), an all-diverged group and the
checklist's PASS / FAIL / not-decided rows. (Init-seed ablation categories, E4,
are unit-tested in test_aggregate.py.)
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_snakemake, tiny_config

from sgd_support.reporting.claims import read_claims

pytestmark = pytest.mark.slow

DIVERGING_LR = 1e7  # the first clipped step moves weights past the divergence bound (1e6)


def report_config() -> dict:
    config = tiny_config()
    config["datasets"]["stair"] = {**config["datasets"]["linear"], "target": "staircase"}
    config["models"]["relu"] = {"widths": [4], "activation": "relu"}  # one hidden layer: no W2 Gram
    config["sweeps"]["tiny"]["batches"] = [16]
    config["sweeps"]["relu"] = {
        "datasets": ["stair"],
        "models": ["relu"],
        "optimizers": ["sgd"],
        "lrs": [0.1, DIVERGING_LR],
        "batches": [16],
        "init_seeds": [0],
        "order_seeds": [0],
    }
    return config


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Run the tiny sweep and build its report once for the module's tests."""
    workdir = tmp_path_factory.mktemp("report")
    config = report_config()
    run_snakemake(workdir, config)
    run_snakemake(workdir, config, "--report", "report.html")
    return workdir


def figure_paths(workdir: Path) -> list[Path]:
    return sorted((workdir / "results" / "figures").rglob("*.png"))


def test_every_figure_of_the_sweep_is_built(built):
    names = {p.relative_to(built / "results" / "figures").as_posix() for p in figure_paths(built)}
    linear = "dataset=linear/model=lin"
    expected = {f"{linear}/init=0/irrelevant_norm.png"}
    expected |= {f"{linear}/lr=0.1/init=0/{kind}.png" for kind in ("w1_gram", "w1_gram_shared", "deep_gram")}
    expected |= {"dataset=stair/model=relu/init=0/irrelevant_norm.png"}
    expected |= {
        f"dataset=stair/model=relu/lr={lr}/init=0/{kind}.png"
        for lr in ("0.1", repr(DIVERGING_LR))
        for kind in ("w1_gram", "w1_gram_shared")
    }
    assert names == expected
    for png in figure_paths(built):  # every figure has its generated caption numbers
        numbers = png.with_name(png.name.replace("_shared", "")).with_suffix(
            ".rst"
        )  # the companion shares them
        assert "**This run**" in numbers.read_text()


def test_aggregates_mark_diverged_runs_and_skip_them(built):
    agg = built / "results" / "aggregate"
    final = pd.read_parquet(agg / "dataset=stair" / "model=relu" / "final_runs.parquet")
    assert set(final.loc[final["lr"] == DIVERGING_LR, "status"]) == {"diverged"}
    assert set(final.loc[final["lr"] == 0.1, "status"]) == {"completed"}
    quantiles = pd.read_parquet(agg / "dataset=stair" / "model=relu" / "trajectory_quantiles.parquet")
    assert set(quantiles["lr"]) == {0.1}  # diverged runs feed no statistic
    summary = pd.read_parquet(agg / "final_summary.parquet")
    row = summary[(summary["dataset"] == "stair") & (summary["lr"] == DIVERGING_LR)].iloc[0]
    assert (row["n_runs"], row["n_diverged"]) == (1, 1) and np.isnan(row["final_irrelevant_norm_q50"])
    linear = pd.read_parquet(agg / "dataset=linear" / "model=lin" / "trajectory_quantiles.parquet")
    sgd16 = linear[linear["label"] == "SGD-16"]
    assert (sgd16["n_runs"] == 2).all()
    assert (sgd16["irrelevant_norm_q10"] <= sgd16["irrelevant_norm_q50"]).all()
    assert (sgd16["irrelevant_norm_q50"] <= sgd16["irrelevant_norm_q90"]).all()


def test_claims_rows_cover_each_experiment_with_numbers(built):
    claims = read_claims([built / "results" / "claims" / "synthetic.parquet"])
    # 4 rows per (dataset, model, init): linear/lin (E1), stair/relu (E5) and the 2 ReLU row claims;
    # then the diverged count
    assert len(claims) == 11
    assert claims["experiment"].tolist() == ["E1"] * 4 + ["E5"] * 6 + ["E1, E5"]
    assert (claims["location"].str.len() > 0).all() and (claims["scope"].str.len() > 0).all()
    assert (claims.loc[claims["passed"] == False, "why"].str.len() > 0).all()  # noqa: E712
    assert claims["scope"].str.contains("not claimed by the paper for ReLU").sum() == 2
    diverged = claims.iloc[-1]
    assert diverged["passed"] is False or diverged["passed"] == False  # noqa: E712
    assert diverged["measured"].startswith("1 of 6 runs diverged")
    relu_order = claims[
        (claims["experiment"] == "E5") & claims["claim"].str.startswith("smaller batch")
    ].iloc[0]
    assert pd.isna(relu_order["passed"])  # one batch size and a diverged lr: nothing to order
    assert (claims["measured"].str.len() > 0).all()
    page = (built / "results" / "report" / "claims_checklist.html").read_text()
    # the checklist holds every claims table of the run (E10/E11 analyses add theirs)
    every_row = read_claims(sorted((built / "results" / "claims").rglob("*.parquet")))
    assert len(every_row) > len(claims)
    assert len(re.findall(r'<tr class="claim"', page)) == len(every_row) and "FAIL" in page
    # the scorecard's rows as Parquet, and the paper's figures section beside it
    assert len(pd.read_parquet(built / "results" / "report" / "claims_checklist.parquet")) == len(every_row)
    figures = (built / "results" / "report" / "paper_figures.html").read_text()
    assert all(f"<h3>Fig. {n}:" in figures for n in range(1, 20))


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


# After the report's React app has loaded, open every (category, subcategory) view
# in turn (through the menu, so each list is built fresh), then show the first
# W1 grid, and write what was rendered into a <pre> that --dump-dom returns.
VISIT = r"""<script>
window.addEventListener('load', function () {
  var views = [];
  Object.keys(categories).forEach(function (c) {
    Object.keys(categories[c]).forEach(function (s) { views.push([c, s]); });
  });
  var out = [], i = 0;
  function show() {
    app.setView({navbarMode: 'subcategory', category: views[i][0], subcategory: views[i][1]});
    setTimeout(function () {
      out.push('@@VIEW ' + views[i].join(' / ') + '\n' + document.querySelector('#app').innerText);
      i++; next();
    }, 250);
  }
  function next() {
    if (i < views.length) { app.setView({navbarMode: 'menu'}); setTimeout(show, 150); return; }
    var img = Object.keys(results).filter(function (p) { return p.endsWith('w1_gram.png'); })[0];
    app.setView({content: 'img', contentPath: results[img].data_uri, resultPath: img});
    setTimeout(function () {
      var shown = document.querySelector('#app img[src^="data:image/png"]');
      out.push('@@IMG ' + (shown ? shown.naturalWidth + 'x' + shown.naturalHeight : 'none'));
      var pre = document.createElement('pre'); pre.id = 'sgd-visited'; pre.textContent = out.join('\n');
      document.body.appendChild(pre);
    }, 600);
  }
  setTimeout(next, 300);
});
</script>"""


def run_chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--virtual-time-budget=8000",
        f"--user-data-dir={profile}",
        "--window-size=1400,1000",
    ]
    return subprocess.run(
        [chromium(), *flags, *args, page.as_uri()], capture_output=True, text=True, timeout=180, check=True
    )


@pytest.mark.skipif(chromium() is None, reason="needs Debian's chromium (scripts/run-tests installs it)")
def test_report_renders_in_chromium(built, tmp_path):
    source = (built / "report.html").read_text()
    end = source.rindex("</body>")
    page = tmp_path / "report.html"
    page.write_text(source[:end] + VISIT + source[end:])
    dom = run_chromium(page, tmp_path / "profile-dom", "--dump-dom").stdout
    visited = re.search(r'<pre id="sgd-visited">(.*?)</pre>', dom, re.S)
    assert visited, "the report's app did not load"
    views = dict(v.split("\n", 1) for v in html.unescape(visited.group(1)).split("@@VIEW ")[1:])
    categories = {key.split(" / ")[0] for key in views}
    assert {
        "E1 linear target",
        "E5 ReLU networks",
        "Summary",
        "Claims checklist",
        "The paper's figures",
    } <= categories
    norm = views["E1 linear target / Irrelevant norm over training"]
    assert "lin" in norm and "linear" in norm
    w1 = next(text for key, text in views.items() if key.startswith("E5 ReLU networks / W1 and Gram(W1)"))
    assert "0.1" in w1 and "10000000.0" in w1  # one entry per lr, the diverged one included
    assert "E1 linear target / Gram of the deeper layers at init and end" in views
    image = re.search(r"@@IMG (\d+)x(\d+)", visited.group(1))
    assert image and int(image.group(1)) > 500, "the W1 grid did not render as an image"

    shot = tmp_path / "shot.png"
    run_chromium(page, tmp_path / "profile-shot", f"--screenshot={shot}")
    assert_not_blank(shot.read_bytes())


def assert_not_blank(png: bytes) -> None:
    """The screenshot has many distinct colours (a blank page has one or two)."""
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    colours = np.unique(pixels, axis=0)
    assert pixels.shape[0] >= 1000 * 700 and len(colours) > 50, f"{len(colours)} colours"


def test_blank_screenshots_are_caught():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (1400, 1000), "white").save(buf, format="PNG")
    with pytest.raises(AssertionError):
        assert_not_blank(buf.getvalue())

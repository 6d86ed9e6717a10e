"""Which figures, tables and claims a config makes (sgd_support.sweep.targets and the
families' targets modules), and which runs each figure reads: without Snakemake."""

import re
from pathlib import Path

import pytest

from sgd_support.experiments.families import all_targets
from sgd_support.experiments.head.targets import figure_runs
from sgd_support.experiments.synthetic.targets import figure_category, figures, grid_runs
from sgd_support.experiments.toy import targets as toy
from sgd_support.sweep.config_check import load_config
from sgd_support.sweep.runs import expand_runs
from sgd_support.sweep.targets import (
    Targets,
    first_init,
    names_pattern,
    seed_runs,
)

REPO = Path(__file__).resolve().parents[1]
ANALYSES_CLAIMS = [
    "results/claims/e11_init_dependence.parquet",
    "results/claims/e10_theorem1_rate.parquet",
    "results/claims/e10_theorem1_per_step.parquet",
]
DIAGONAL_CLAIMS = "results/claims/theory_diagonal.parquet"  # E12: diagonal networks, App. J's network
THEORY_CLAIMS = "results/claims/theory_optimizers.parquet"  # E13: any synthetic run of a dense model


def run(dataset="linear", model="lin", optimizer="sgd", lr="0.1", batch="32", init="0", order="0"):
    return dict(dataset=dataset, model=model, optimizer=optimizer, lr=lr, batch=batch, init=init, order=order)


def synthetic_config(widths=(4, 4), activation="identity") -> dict:
    """One linear network on one synthetic data set, GD and SGD: no toy, image or features data."""
    return {
        "datasets": {"linear": {"kind": "synthetic", "target": "linear"}},
        "models": {"lin": {"widths": list(widths), "activation": activation}},
        "optimizers": {"gd": {"batch": "full"}, "sgd": {}},
        "sweeps": {
            "s": {
                "datasets": ["linear"],
                "models": ["lin"],
                "optimizers": ["gd", "sgd"],
                "lrs": [0.1],
                "batches": [8],
                "init_seeds": [0],
                "order_seeds": [0, 1],
            }
        },
    }


def toy_config(datasets: dict) -> dict:
    return {
        "datasets": datasets,
        "models": {"ab": {"widths": [1], "activation": "identity"}},
        "optimizers": {"toy_gd": {"batch": "full"}},
        "sweeps": {
            "toy": {
                "datasets": list(datasets),
                "models": ["ab"],
                "optimizers": ["toy_gd"],
                "lrs": [0.01],
                "init_seeds": [0],
                "order_seeds": [0],
            }
        },
    }


def targets_of(config: dict) -> Targets:
    return all_targets(config, expand_runs(config))


@pytest.fixture(scope="module")
def default():
    config = load_config()
    return config, expand_runs(config)


def test_default_config_makes_every_familys_figures_and_claims_in_checklist_order(default):
    config, runs = default
    targets = all_targets(config, runs)
    # the checklist's rows: E7, E1-E5, E6, E11, E10, E12, E13 (no features data set: no E9)
    assert targets.claims == [
        "results/claims/e7/dataset=mnist5k/model=mnist5k_mlp.parquet",
        "results/claims/synthetic.parquet",
        "results/claims/toy.parquet",
        *ANALYSES_CLAIMS,
        DIAGONAL_CLAIMS,
        THEORY_CLAIMS,
    ]
    report = set(targets.report)
    # E13 from the E1/E2 runs: its table, the Prop. 7 figure (GD, SGD) and the Props. 9-10
    # figure (GD with weight decay)
    assert {
        "results/theory/optimizers/table.tsv",
        "results/theory/optimizers/increasing_steps.png",
        "results/theory/optimizers/weight_decay.png",
    } <= report
    # E12 from its two default sweeps: the table, Prop. 1's and App. J's figures (no SGD runs on sine)
    assert {
        "results/theory/diagonal/table.tsv",
        "results/theory/diagonal/layers.png",
        "results/theory/diagonal/counterexample.png",
    } <= report
    assert len(report) == len(targets.report) == 42
    e7 = "results/figures/e7/dataset=mnist5k/model=mnist5k_mlp"
    assert {
        f"{e7}/focus_maps.png",
        f"{e7}/metrics.html",
        "results/figures/e8/dataset=mnist5k/spectrum.png",
    } <= report
    assert not any("/e9/" in path for path in report)
    assert {"results/toy/rates.tsv", "results/toy/ab_over_steps.png"} <= report
    # Fig. 9 for the landscape data set only, not for the point data sets
    assert [p for p in report if p.startswith("results/toy/landscape/")] == [
        "results/toy/landscape/dataset=toy_landscape.png"
    ]
    # quantiles of every (dataset, model) trained, the summary, the paper's figures and the checklist last
    quantiles = [p for p in report if p.endswith("trajectory_quantiles.parquet")]
    assert len(quantiles) == len({(r["dataset"], r["model"]) for r in runs}) == 9
    assert targets.report[-1] == "results/report/claims_checklist.html"


def test_default_config_synthetic_figures_per_lr_and_init_seed(default):
    config, runs = default
    expected = [
        f"results/figures/dataset={ds}/model=linear3x15/{group}/{name}"
        for ds, inits in (("linear", (0, 1)), ("sine", (0,)))
        for init in inits
        for group, name in (
            (f"init={init}", "irrelevant_norm.png"),
            (f"lr=0.1/init={init}", "w1_gram.png"),
            (f"lr=0.1/init={init}", "deep_gram.png"),  # three hidden layers: deep grids too
        )
    ]
    # init seed 1 only on linear (sweep init_seeds)
    assert figures(config, runs) == sorted(expected) and len(expected) == 9


def test_default_config_report_categories(default):
    config, runs = default
    assert figure_category(config, runs, "linear", "linear3x15", "0") == "E1 linear target"
    assert figure_category(config, runs, "sine", "linear3x15", "0") == "E2 sine target"
    assert figure_category(config, runs, "linear", "linear3x15", "1") == "E4 init-seed ablation"


def test_config_without_toy_image_or_feature_data_makes_only_synthetic_analyses_and_e13():
    targets = targets_of(synthetic_config())
    # E13 (theory family) reads the same runs: GD and SGD of a linear network on synthetic data
    assert targets.claims == ["results/claims/synthetic.parquet", *ANALYSES_CLAIMS, THEORY_CLAIMS]
    assert not [p for p in targets.report if re.search(r"/(e7|e8|e9)/|results/toy/", p)]
    # a single hidden-to-hidden layer still makes deep grids; one hidden layer none
    assert any(p.endswith("deep_gram.png") for p in targets.report)
    assert not any(p.endswith("deep_gram.png") for p in targets_of(synthetic_config(widths=[4])).report)


def test_relu_networks_are_e5():
    config = synthetic_config(activation="relu")
    assert figure_category(config, expand_runs(config), "linear", "lin", "0") == "E5 ReLU networks"


def test_features_config_makes_e9_and_e8_of_its_image_source(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the backbone weights file must exist (validation)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "resnet18_cifar10.pt").touch()
    config = load_config(REPO / "config" / "cifar10.yaml")
    targets = targets_of(config)
    e9 = "results/figures/e9/dataset=cifar10_resnet18/model=head"
    assert targets.claims == [
        "results/claims/e9/dataset=cifar10_resnet18/model=head.parquet",
        *ANALYSES_CLAIMS,
    ]
    assert {f"{e9}/eigen_histograms.png", f"{e9}/svd_gram.png", f"{e9}/metrics.html"} <= set(targets.report)
    # E8 is per image data set, trained on or not; E7 needs runs on one (none here)
    assert "results/figures/e8/dataset=cifar10/covariance.png" in targets.report
    assert not any("/e7/" in p for p in targets.report)
    assert "results/claims/synthetic.parquet" not in targets.claims


def test_checklist_rows_keep_their_order_e7_e9_synthetic_toy_analyses_theory():
    """The checklist's page lists the claims tables in this order (as before the move)."""
    config = synthetic_config()
    config["datasets"].update(
        digits={"kind": "digits"},
        feats={"kind": "resnet18_features", "source": "digits"},
        d1={"kind": "toy_points", "x": [1, 1], "y": [-1, 1]},
    )
    config["sweeps"]["s"]["datasets"] = ["feats", "d1", "linear", "digits"]
    assert targets_of(config).claims == [
        "results/claims/e7/dataset=digits/model=lin.parquet",
        "results/claims/e9/dataset=feats/model=lin.parquet",
        "results/claims/synthetic.parquet",
        "results/claims/toy.parquet",
        *ANALYSES_CLAIMS,
        THEORY_CLAIMS,
    ]


def test_toy_targets_follow_the_kinds_trained_on():
    points = {"d1": {"kind": "toy_points", "x": [1, 1], "y": [-1, 1]}}
    landscape = {"land": {"kind": "toy_landscape", "n": 10}}
    only_points = targets_of(toy_config(points))
    assert only_points.claims == ["results/claims/toy.parquet", *ANALYSES_CLAIMS]
    assert {"results/toy/rates.tsv", "results/toy/ab_over_steps.png"} <= set(only_points.report)
    assert not any("landscape" in p for p in only_points.report)
    only_landscape = targets_of(toy_config(landscape))
    assert "results/toy/landscape/dataset=land.png" in only_landscape.report
    assert "results/toy/ab_over_steps.png" not in only_landscape.report
    config = toy_config({**landscape, **points})
    assert toy.points(config, expand_runs(config)) == ["d1"]
    assert toy.landscapes(config, expand_runs(config)) == ["land"]


def test_seed_runs_are_the_first_init_seed_by_number_with_every_order():
    runs = [run(init="10", order="0"), run(init="9", order="1"), run(init="9", order="0"), run(model="other")]
    assert first_init(runs, "linear", "lin") == 9  # not "10", the first as a string
    assert seed_runs(runs, "linear", "lin") == [runs[1], runs[2]]  # in the runs' order


def test_figure_runs_one_per_optimizer_lr_batch_with_the_first_order_seed():
    runs = [
        run(order="10"),
        run(order="2"),
        run(batch="128", order="3"),
        run(optimizer="gd", batch="full"),
        run(init="1", order="0"),  # another init seed: not shown
    ]
    assert figure_runs(runs, "linear", "lin") == [runs[3], runs[1], runs[2]]


def test_grid_runs_are_one_dataset_model_lr_and_init():
    runs = [run(), run(lr="0.2"), run(init="1"), run(optimizer="gd", batch="full"), run(dataset="sine")]
    assert grid_runs(runs, "linear", "lin", "0.1", "0") == [runs[0], runs[3]]


def test_names_pattern_matches_exactly_the_names():
    pattern = names_pattern(["a-b", "c.d"])
    assert all(re.fullmatch(pattern, name) for name in ("a-b", "c.d"))
    assert not any(re.fullmatch(pattern, name) for name in ("a", "a-bc", "cxd"))
    assert not re.fullmatch(names_pattern([]), "")


def test_targets_sum_keeps_order_and_each_file_once():
    total = Targets(["a", "b"], ["x"]) + Targets(["b", "c"], ["x", "y"])
    assert total == Targets(["a", "b", "c"], ["x", "y"])


# Rule headers of the workflow: "rule NAME:", a generated "rule:" (its name: below) and
# "use rule A as B with:"; each block runs to the next header or unindented line.
RULE_HEADER = re.compile(r"^( *)(rule \w+:|rule:|use rule \w+ as \w+ with:)$", re.M)


def rule_blocks() -> dict[str, str]:
    blocks = {}
    for path in [REPO / "Snakefile", *sorted((REPO / "workflow" / "rules").glob("*.smk"))]:
        text = path.read_text()
        for match in RULE_HEADER.finditer(text):
            indent = len(match.group(1))
            body = []
            for line in text[match.end() + 1 :].splitlines():
                if line.strip() and len(line) - len(line.lstrip()) <= indent:
                    break
                body.append(line)
            blocks[f"{path.name}: {match.group(2)}"] = "\n".join(body)
    return blocks


def test_every_rule_says_what_it_does_and_every_working_rule_is_benchmarked():
    blocks = rule_blocks()
    assert len(blocks) >= 24  # 21 rules, train_run_gpu, the generated train_group_<n>, all
    for header, body in blocks.items():
        first = next(line.strip() for line in body.splitlines() if line.strip())
        assert re.fullmatch(r'""".+"""', first), f"{header} has no one-line docstring"
        # use rule ... with: inherits train_run's benchmark
        if header != "Snakefile: rule all:" and not header.split(": ", 1)[1].startswith("use rule"):
            assert "benchmark:" in body, f"{header} has no benchmark"

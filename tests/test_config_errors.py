"""Bad configs fail at parse time, before any job, with the offending key named in one
line (no traceback, no schema dump).

Every case goes through the real ``snakemake -n`` CLI, and in-process through
``load_config`` (what ``sgd-support`` reads). Schema errors come from
``sgd_support.sweep.config_check``, run before Snakemake's ``validate`` (``invalid config
at a.b[i]: value; allowed: ...``, unknown keys as ``unknown key 'k'``); semantic errors
from ``sgd_support.sweep.validation`` (``invalid config at a.b[i]: value; allowed: ...``).
"""

import copy
import subprocess

import pytest
import yaml
from conftest import REPO, run_snakemake, snakemake_command, tiny_config

from sgd_support.core.errors import UserError
from sgd_support.sweep.config_check import load_config
from sgd_support.sweep.validation import ConfigError, check_config, duplicate_keys

DELETE = object()


def edited(edits: dict) -> dict:
    """tiny_config() with ``{"a.b.c": value}`` edits applied (DELETE removes a key)."""
    config = tiny_config()
    config["datasets"]["digits"] = {"kind": "digits"}  # not in the sweep unless a case adds it
    for dotted, value in edits.items():
        *parents, last = dotted.split(".")
        node = config
        for key in parents:
            node = node.setdefault(key, {})
        if value is DELETE:
            del node[last]
        else:
            node[last] = copy.deepcopy(value)
    return config


SWEEP = "sweeps.tiny"
# (case id, edits, text the error must contain: the key path)
SCHEMA_CASES = [
    ("lr-zero", {f"{SWEEP}.lrs": [0]}, "invalid config at sweeps.tiny.lrs[0]"),
    ("lr-negative", {f"{SWEEP}.lrs": [0.1, -0.5]}, "invalid config at sweeps.tiny.lrs[1]"),
    ("batch-zero", {f"{SWEEP}.batches": [0, 16]}, "invalid config at sweeps.tiny.batches[0]"),
    ("r-zero", {"datasets.linear.r": 0}, "invalid config at datasets.linear.r"),
    ("steps-zero", {"optimizers.gd.steps": 0}, "invalid config at optimizers.gd.steps"),
    ("steps-negative", {"optimizers.sgd.steps": -5}, "invalid config at optimizers.sgd.steps"),
    (
        "weight-decay-negative",
        {"optimizers.gd_wd.weight_decay": -0.1},
        "invalid config at optimizers.gd_wd.weight_decay",
    ),
    ("noise-negative", {"datasets.linear.noise": -0.001}, "invalid config at datasets.linear.noise"),
    ("unknown-target", {"datasets.linear.target": "cubic"}, "invalid config at datasets.linear.target"),
    ("unknown-kind", {"datasets.linear.kind": "imagenet"}, "invalid config at datasets.linear.kind"),
    ("unknown-engine", {"training.engine": "jax"}, "invalid config at training.engine"),
    ("unknown-activation", {"models.lin.activation": "tanh"}, "invalid config at models.lin.activation"),
    ("empty-lrs", {f"{SWEEP}.lrs": []}, "invalid config at sweeps.tiny.lrs"),
    ("empty-init-seeds", {f"{SWEEP}.init_seeds": []}, "invalid config at sweeps.tiny.init_seeds"),
    ("empty-dataset-list", {f"{SWEEP}.datasets": []}, "invalid config at sweeps.tiny.datasets"),
    ("negative-seed", {f"{SWEEP}.order_seeds": [-1]}, "invalid config at sweeps.tiny.order_seeds[0]"),
    ("typo-top-level-key", {"sweep": {}}, "unknown key 'sweep'"),
    ("typo-recording-key", {"recording.snapshot": [5]}, "unknown key 'snapshot'"),
    ("typo-dataset-key", {"datasets.linear.noize": 0.1}, "unknown key 'noize'"),
    ("typo-model-key", {"models.lin.activaton": "relu"}, "unknown key 'activaton'"),
    ("model-weights-key", {"models.lin.weights": "weights/resnet18.pt"}, "unknown key 'weights'"),
    ("typo-optimizer-key", {"optimizers.sgd.wieght_decay": 0.1}, "unknown key 'wieght_decay'"),
    ("typo-sweep-key", {f"{SWEEP}.order_seed": [1]}, "unknown key 'order_seed'"),
    # a misspelt required key is reported by name, not as the right one missing
    (
        "misspelt-required-key",
        {"optimizers.sgd.stpes": 300, "optimizers.sgd.steps": DELETE},
        "unknown key 'stpes' (",
    ),
    ("wrong-type", {"optimizers.sgd.steps": "many"}, "invalid config at optimizers.sgd.steps: 'many'"),
    (
        "diagonal-depth-one",
        {"models.diag": {"structure": "diagonal", "depth": 1, "init": "normal"}},
        "invalid config at models.diag.depth",
    ),
    ("init-std-zero", {"models.lin.init_std": 0}, "invalid config at models.lin.init_std"),
    ("unknown-structure", {"models.lin.structure": "conv"}, "invalid config at models.lin.structure"),
    # limits (issue 23 item 7): each maximum is documented in the schema's description
    (
        "steps-above-int64",
        {"optimizers.sgd.steps": 10**19},
        "optimizers.sgd.steps: 10000000000000000000 (",
    ),
    ("n-above-max", {"datasets.linear.n": 10**8}, "invalid config at datasets.linear.n: 100000000"),
    ("d-above-max", {"datasets.linear.d": 10**6}, "invalid config at datasets.linear.d: 1000000"),
    (
        "width-above-max",
        {"models.lin.widths": [4, 100_000]},
        "invalid config at models.lin.widths[1]: 100000",
    ),
    ("batch-above-max", {f"{SWEEP}.batches": [16, 10**9]}, "sweeps.tiny.batches[1]: 1000000000"),
    (
        "optimizer-batch-above-max",
        {"optimizers.sgd.batches": [10**9]},
        "optimizers.sgd.batches[0]: 1000000000",
    ),
    ("init-seed-above-max", {f"{SWEEP}.init_seeds": [2**32]}, "sweeps.tiny.init_seeds[0]: 4294967296"),
    (
        "data-seed-above-max",
        {"datasets.linear.seed": 2**32},
        "invalid config at datasets.linear.seed: 4294967296",
    ),
    # the optimizer's update keys (issue 24)
    (
        "momentum-one-or-more",
        {"optimizers.sgd.momentum": 1.5},
        "invalid config at optimizers.sgd.momentum: 1.5",
    ),
    ("momentum-negative", {"optimizers.sgd.momentum": -0.1}, "invalid config at optimizers.sgd.momentum"),
    (
        "label-noise-negative",
        {"optimizers.gd.label_noise": -1},
        "invalid config at optimizers.gd.label_noise",
    ),
    ("nesterov-not-boolean", {"optimizers.sgd.nesterov": "yes"}, "invalid config at optimizers.sgd.nesterov"),
    (
        "adam-one-beta",
        {"optimizers.sgd.adam": {"betas": [0.9]}},
        "invalid config at optimizers.sgd.adam.betas",
    ),
    (
        "adam-beta-one",
        {"optimizers.sgd.adam": {"betas": [0.9, 1.0]}},
        "invalid config at optimizers.sgd.adam.betas[1]: 1.0",
    ),
    ("adam-eps-zero", {"optimizers.sgd.adam": {"eps": 0}}, "invalid config at optimizers.sgd.adam.eps: 0"),
    ("adam-unknown-key", {"optimizers.sgd.adam": {"beta1": 0.9}}, "unknown key 'beta1'"),
    ("adam-null", {"optimizers.sgd.adam": None}, "invalid config at optimizers.sgd.adam: None"),
]
# Names become folders and wildcards: a data set, model, optimizer or sweep named
# ../x, a/b, x=y or with a space is refused by the schema, naming the key.
BAD_NAMES = ["../x", "a/b", "x=y", "a b"]
NAME_SECTIONS = {"datasets": "linear", "models": "lin", "optimizers": "sgd", "sweeps": "tiny"}


def renamed(section: str, name: str) -> dict:
    """tiny_config() with one entry of ``section`` renamed ``name`` (references too)."""
    config = tiny_config()
    old = NAME_SECTIONS[section]
    config[section][name] = config[section].pop(old)
    if section != "sweeps":
        refs = config["sweeps"]["tiny"][section]
        refs[refs.index(old)] = name
    return config


SEMANTIC_CASES = [
    (
        "unknown-dataset-name",
        {f"{SWEEP}.datasets": ["linear", "lineer"]},
        "sweeps.tiny.datasets[1]: 'lineer'",
    ),
    ("unknown-model-name", {f"{SWEEP}.models": ["mlp"]}, "sweeps.tiny.models[0]: 'mlp'"),
    ("unknown-optimizer-name", {f"{SWEEP}.optimizers": ["gd", "adam"]}, "sweeps.tiny.optimizers[1]: 'adam'"),
    ("batch-above-2n", {f"{SWEEP}.batches": [16, 401]}, "sweeps.tiny.batches[1]: 401; allowed: 1..400"),
    ("optimizer-batch-above-2n", {"optimizers.sgd.batches": [1000]}, "optimizers.sgd.batches[0]: 1000"),
    (
        "digits-batch-above-size",
        {f"{SWEEP}.datasets": ["digits"], f"{SWEEP}.batches": [2048]},
        "sweeps.tiny.batches[0]: 2048; allowed: 1..1438",
    ),
    (
        "mnist-bundled-batch-above-size",
        {
            "datasets.m5k": {"kind": "mnist_bundled", "test_fraction": 0.6},
            f"{SWEEP}.datasets": ["m5k"],
            f"{SWEEP}.batches": [2048],
        },
        "sweeps.tiny.batches[0]: 2048; allowed: 1..2000",
    ),
    ("r-above-d", {"datasets.linear.r": 7}, "datasets.linear.r: 7; allowed: 1 <= r <= d = 6"),
    ("synthetic-without-target", {"datasets.linear.target": DELETE}, "datasets.linear.target"),
    ("duplicate-init-seeds", {f"{SWEEP}.init_seeds": [0, 1, 0]}, "sweeps.tiny.init_seeds[2]: 0"),
    ("duplicate-order-seeds", {f"{SWEEP}.order_seeds": [3, 3]}, "sweeps.tiny.order_seeds[1]: 3"),
    ("duplicate-lrs", {f"{SWEEP}.lrs": [0.1, 0.1]}, "sweeps.tiny.lrs[1]: 0.1"),
    ("duplicate-batches", {f"{SWEEP}.batches": [16, 16]}, "sweeps.tiny.batches[1]: 16"),
    ("sgd-without-batches", {f"{SWEEP}.batches": []}, "sweeps.tiny.batches: []"),
    ("sgd-without-order-seeds", {f"{SWEEP}.order_seeds": []}, "sweeps.tiny.order_seeds: []"),
    (
        "snapshot-beyond-last-step",
        {"recording.snapshots": [100, 301]},
        "recording.snapshots[1]: 301; allowed: 1..300",
    ),
    ("every-beyond-last-step", {"recording.every": 1000}, "recording.every: 1000"),
    (
        "explicit-grid-misses-last-step",
        {"recording.per_decade": 0, "recording.every": 7},
        "recording.every: 7; allowed: a divisor of optimizers.gd.steps = 300",
    ),
    ("cross-entropy-on-regression", {"training.loss": "cross_entropy"}, "training.loss: 'cross_entropy'"),
    (
        "missing-data-root",
        {"datasets.digits.root": "data/nowhere", "datasets.digits.download": False},
        "datasets.digits.root: 'data/nowhere'",
    ),
    (
        "missing-dataset-weights",
        {"datasets.digits.weights": "backbone.pt"},
        "datasets.digits.weights: 'backbone.pt'",
    ),
    (
        "lr-infinite",
        {f"{SWEEP}.lrs": [0.1, float("inf")]},
        "sweeps.tiny.lrs[1]: inf; allowed: a finite number",
    ),
    ("noise-nan", {"datasets.linear.noise": float("nan")}, "datasets.linear.noise: nan"),
    (
        "divergence-bound-infinite",
        {"training.divergence_bound": float("inf")},
        "training.divergence_bound: inf",
    ),
    (
        "toy-points-fewer-labels",
        {"datasets.toy": {"kind": "toy_points", "x": [1, 3], "y": [0]}},
        "datasets.toy.y: [0]; allowed: one label per input: 2 values",
    ),
    (
        "toy-points-without-labels",
        {"datasets.toy": {"kind": "toy_points", "x": [1, 3]}},
        "datasets.toy.y: None",
    ),
    ("dense-without-widths", {"models.lin.widths": DELETE}, "models.lin.widths: None"),
    ("dense-with-depth", {"models.lin.depth": 3}, "models.lin.depth: 3; allowed: absent"),
    (
        "diagonal-with-widths",
        {"models.lin.structure": "diagonal", "models.lin.depth": 3, "models.lin.init": "normal"},
        "models.lin.widths: [4, 4]; allowed: absent",
    ),
    (
        "diagonal-without-depth",
        {"models.diag": {"structure": "diagonal", "init": "normal"}},
        "models.diag.depth: None",
    ),
    (
        "diagonal-with-kaiming-init",
        {"models.diag": {"structure": "diagonal", "depth": 2}},
        "models.diag.init: 'kaiming_normal'",
    ),
    (
        "diagonal-on-numba",
        {
            "models.diag": {"structure": "diagonal", "depth": 3, "init": "normal"},
            f"{SWEEP}.models": ["lin", "diag"],
            "training.engine": "numba",
        },
        "models.diag.structure: 'diagonal'",
    ),
    (
        "nesterov-without-momentum",
        {"optimizers.sgd.nesterov": True},
        "optimizers.sgd.nesterov: True; allowed: false unless momentum > 0",
    ),
    (
        "momentum-with-adam",
        {"optimizers.sgd.adam": {}, "optimizers.sgd.momentum": 0.9},
        "optimizers.sgd.momentum: 0.9; allowed: 0/false with adam",
    ),
    (
        "momentum-on-numba",
        {"training.engine": "numba", "optimizers.sgd.momentum": 0.9},
        "optimizers.sgd.momentum: 0.9; allowed: off with training.engine numba",
    ),
    ("adam-on-numba", {"training.engine": "numba", "optimizers.gd.adam": {}}, "optimizers.gd.adam: {"),
    (
        "label-noise-on-numba",
        {"training.engine": "numba", "optimizers.gd.label_noise": 0.1},
        "optimizers.gd.label_noise: 0.1; allowed: off with training.engine numba",
    ),
    (
        "label-noise-with-cross-entropy",
        {
            f"{SWEEP}.datasets": ["digits"],
            f"{SWEEP}.batches": [16],
            "training.loss": "cross_entropy",
            "optimizers.sgd.label_noise": 0.1,
        },
        "optimizers.sgd.label_noise: 0.1; allowed: 0 with cross-entropy (training.loss)",
    ),
    ("toy-landscape-without-n", {"datasets.toy": {"kind": "toy_landscape"}}, "datasets.toy.n: None"),
    ("mnist-without-root", {"datasets.mnist": {"kind": "mnist"}}, "datasets.mnist.root: None"),
    (
        "features-without-weights",
        {"datasets.feat": {"kind": "resnet18_features", "source": "digits"}},
        "datasets.feat.weights: None",
    ),
]
CASES = SCHEMA_CASES + SEMANTIC_CASES


def assert_one_line(out: str, key: str) -> None:
    """The error is one line naming ``key``: no traceback, no schema dump."""
    assert key in out, out
    assert len(out.strip().splitlines()) == 1 and "Traceback" not in out and "Failed validating" not in out, (
        out
    )


@pytest.mark.slow
@pytest.mark.parametrize("edits, key", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config_fails_at_parse_time_naming_the_key(tmp_path, edits, key):
    proc = run_snakemake(tmp_path, edited(edits), "-n", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert_one_line(out, key)
    assert "Job stats" not in out and "Building DAG" not in out  # failed while parsing
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("edits, key", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config_in_process_naming_the_key(tmp_path, monkeypatch, edits, key):
    monkeypatch.chdir(tmp_path)  # relative root/weights paths resolve here, as in a job
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(edited(edits), sort_keys=False))
    with pytest.raises(UserError) as err:
        load_config("config.yaml")
    assert_one_line(str(err.value), key)


def test_the_nearest_valid_key_is_suggested(tmp_path):
    (tmp_path / "c.yaml").write_text(
        yaml.safe_dump(edited({"optimizers.sgd.stpes": 300, "optimizers.sgd.steps": DELETE}))
    )
    with pytest.raises(
        UserError,
        match=r"unknown key 'stpes' \(\S*c\.yaml line \d+\); did you mean 'steps'\? "
        r"allowed keys: adam, batch, ",
    ):
        load_config(tmp_path / "c.yaml")


@pytest.mark.parametrize("section", NAME_SECTIONS)
@pytest.mark.parametrize("name", BAD_NAMES)
def test_names_that_are_no_folder_names_are_refused(tmp_path, section, name):
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(renamed(section, name)))
    with pytest.raises(UserError) as err:
        load_config(tmp_path / "c.yaml")
    assert_one_line(str(err.value), f"invalid config at {section}: name {name!r}")
    assert "names become folder and file names" in str(err.value)


@pytest.mark.slow
@pytest.mark.parametrize("section, name", [("datasets", "../x"), ("models", "a b")])
def test_bad_names_stop_snakemake_at_parse_time(tmp_path, section, name):
    proc = run_snakemake(tmp_path, renamed(section, name), "-n", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "MissingInputException" not in out, out
    assert_one_line(out, f"invalid config at {section}: name {name!r}")


@pytest.mark.slow
def test_default_config_missing_or_not_yaml_is_one_line(tmp_path):
    """Without --configfile the workflow reads config.yaml of its folder: a missing file and
    a YAML syntax error (file, line, column) print one line. (A --configfile Snakemake
    reads itself before the workflow starts; `sgd-support check` names those.)"""
    cmd, env = snakemake_command(tmp_path, {}, "-n")
    cmd = [c for c in cmd if c not in ("--configfile", str(tmp_path / "config.yaml"))]
    (tmp_path / "config.yaml").unlink()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert_one_line(proc.stdout + proc.stderr, "config file config.yaml not found")
    (tmp_path / "config.yaml").write_text("datasets:\n  linear: {kind: synthetic\n  sine: 1\n")
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert_one_line(proc.stdout + proc.stderr, "config.yaml, line 3, column 7: not valid YAML")


# A data set block pasted twice under one name: plain YAML keeps the second silently.
DUPLICATED = """
datasets:
  linear: {kind: synthetic, target: linear, n: 200, d: 6, r: 2}
  linear: {kind: synthetic, target: sine, n: 200, d: 6, r: 2}
"""


@pytest.mark.slow
def test_duplicate_key_in_a_config_file_fails_at_parse_time(tmp_path):
    cmd, env = snakemake_command(tmp_path, {}, "-n")  # writes config.yaml: replaced here
    text = yaml.safe_dump({k: v for k, v in tiny_config().items() if k != "datasets"}, sort_keys=False)
    (tmp_path / "config.yaml").write_text(DUPLICATED + text)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "invalid config at datasets.linear: 'given twice in" in out and "(lines 3 and 4)" in out, out
    assert_one_line(out, "each key once per mapping")
    assert "Building DAG" not in out and not (tmp_path / "results").exists()


def test_duplicate_keys_are_found_with_their_paths():
    text = "a:\n  b: 1\n  c: [{x: 1, x: 2}]\n  b: 3\nd: 4\n"
    found = list(duplicate_keys(yaml.compose(text, Loader=yaml.SafeLoader)))
    assert found == [("a.c[0].x", 3, 3), ("a.b", 2, 4)]


def test_case_ids_are_distinct_and_plentiful():
    assert len({c[0] for c in CASES}) == len(CASES) >= 20


def _schema_filled(config: dict) -> dict:
    from snakemake.utils import validate

    validate(config, str(REPO / "workflow/schemas/config.schema.yaml"))
    return config


@pytest.mark.parametrize("edits, key", [c[1:] for c in SEMANTIC_CASES], ids=[c[0] for c in SEMANTIC_CASES])
def test_semantic_check_in_process(tmp_path, monkeypatch, edits, key):
    monkeypatch.chdir(tmp_path)  # relative root/weights paths resolve here, as in a job
    with pytest.raises(ConfigError) as err:
        check_config(_schema_filled(edited(edits)))
    assert key in str(err.value)


def test_good_configs_pass(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    check_config(_schema_filled(yaml.safe_load((REPO / "config.yaml").read_text())))
    check_config(_schema_filled(edited({})))
    # a data root that exists, or is missing but will be downloaded; a weights file that exists
    (tmp_path / "data").mkdir()
    (tmp_path / "w.pt").write_bytes(b"")
    check_config(_schema_filled(edited({"datasets.digits.root": "data", "datasets.digits.weights": "w.pt"})))
    check_config(_schema_filled(edited({"datasets.digits.root": "later", "datasets.digits.download": True})))
    # snapshots at the longest run's last step and a grid dividing every run are fine
    check_config(
        _schema_filled(
            edited({"recording.snapshots": [300], "recording.per_decade": 0, "recording.every": 100})
        )
    )

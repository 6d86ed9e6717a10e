"""Runs whose update only the torch engine implements (label noise, momentum, adam) go
to it: engine auto picks it, a forced CPU engine or the ensemble refuses them naming
the key, and groups train them one after another."""

import dataclasses

import numpy as np
import pytest
import yaml
from conftest import tiny_config
from specs import make_spec

from sgd_support.core.data.store import Dataset
from sgd_support.core.data.synthetic import make_synthetic, support_mask
from sgd_support.core.engines import pick_engine, torch_only_keys
from sgd_support.core.group import lockstep_engine, train_ensemble, train_group
from sgd_support.core.models import init_weights, layer_shapes
from sgd_support.core.training import train
from sgd_support.sweep.config_check import load_config
from sgd_support.sweep.placement import group_engine
from sgd_support.sweep.runs import expand_runs, run_spec, train_groups

ADAM = {"betas": [0.9, 0.999], "eps": 1e-8, "decoupled": True}
UPDATES = {"label_noise": {"label_noise": 0.1}, "momentum": {"momentum": 0.9}, "adam": {"adam": ADAM}}


@pytest.mark.parametrize("key", list(UPDATES))
def test_auto_picks_torch_and_forced_cpu_engines_refuse(key):
    spec = make_spec(**UPDATES[key])
    assert torch_only_keys(vars(spec)) == [key] and torch_only_keys(vars(make_spec())) == []
    small = {"activation": "identity", "loss": "mse", "batch": None}
    assert pick_engine("auto", 100, **small) == "linear"  # the same run without the key
    assert pick_engine("auto", 100, torch_only=[key], **small) == "torch"
    assert pick_engine("torch", 100, torch_only=[key], **small) == "torch"
    for forced in ("numba", "linear"):
        with pytest.raises(ValueError, match=f"engine {forced} does not implement {key}"):
            pick_engine(forced, 100, torch_only=[key], **small)


def test_groups_train_such_runs_one_after_another():
    x, y = make_synthetic(50, 6, 2, 0.001, "linear", 0)
    data = Dataset(x=x, y=y, support=support_mask(6, 2))
    init = init_weights(layer_shapes(6, [4, 4], 1), 0)
    plain = make_spec(lr=0.02, batch=7, steps=100, engine="torch", device="cpu", every=50)
    heavy = dataclasses.replace(plain, momentum=0.9)
    assert lockstep_engine(plain, init) == "ensemble" and lockstep_engine(heavy, init) == "sequential"
    with pytest.raises(ValueError, match="ensemble engine does not implement momentum"):
        train_ensemble(data, [init, init], [plain, heavy])
    grouped = train_group(data, [init, init], [plain, heavy])
    for result, spec in zip(grouped, [plain, heavy]):  # each as its own per-run job computes it
        alone = train(data, init, spec)
        assert result.engine["engine"] == "torch" and "ensemble_size" not in result.engine
        assert np.array_equal([r["total_norm"] for r in result.rows], [r["total_norm"] for r in alone.rows])


def test_placement_says_sequential_for_a_group_with_such_a_run(tmp_path):
    config = tiny_config()
    config["training"].update(group="cell", group_device="cuda")  # else every group is an ensemble
    config["optimizers"]["sgd_momentum"] = {"steps": 300, "momentum": 0.9}
    config["sweeps"]["tiny"]["optimizers"].append("sgd_momentum")
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    config = load_config(path)
    for name, runs in train_groups(expand_runs(config)).items():
        has = any(run_spec(config, run).momentum for run in runs)
        assert group_engine(config, runs) == ("sequential" if has else "ensemble"), name

"""Across-seed quantiles, final states and run labels, on hand-made trajectories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sgd_support.core.storage import write_trajectory
from sgd_support.reporting.aggregate import (
    coordinates,
    final_states,
    final_summary,
    read_runs,
    trajectory_quantiles,
)
from sgd_support.reporting.catalog import experiment_id, label_order, optimizer_kind, run_label
from sgd_support.reporting.final_summary import summary_table

SYNTH = {"kind": "synthetic", "target": "linear"}
SGD, GD = {"steps": 8}, {"batch": "full", "steps": 8}


def write_run(root, optimizer, batch, order, norms, status="completed", opt_cfg=SGD, init=0, lr="0.1"):
    """A trajectory whose irrelevant norm at steps 0, 1, 2, ... is ``norms``."""
    folder = (
        root
        / "dataset=lin"
        / "model=m"
        / f"optimizer={optimizer}"
        / f"lr={lr}"
        / f"batch={batch}"
        / f"init={init}"
        / f"order={order}"
    )
    rows = [
        {
            "step": s,
            "batch_loss": 1.0,
            "full_loss": 1.0 / (s + 1),
            "irrelevant_norm": n,
            "relevant_norm": 1.0,
            "norm_w0": 1.0,
            "total_norm": 2.0,
        }
        for s, n in enumerate(norms)
    ]
    meta = {
        "config": {"optimizer": opt_cfg, "dataset": SYNTH, "model": {"activation": "identity"}},
        "spec": {"steps": 8},
        "wall_time_s": 2.0,
        "diverged_step": len(norms) - 1 if status != "completed" else None,
    }
    write_trajectory(folder / "trajectory.parquet", rows, status, meta)
    return folder / "trajectory.parquet"


@pytest.fixture
def sweep(tmp_path):
    paths = [
        write_run(tmp_path, "sgd", 4, order, [4.0, 3.0 + order, 2.0 + order, 1.0 + order])
        for order in range(5)
    ]
    paths.append(write_run(tmp_path, "sgd", 4, 5, [4.0, 1e9], status="diverged"))
    paths.append(write_run(tmp_path, "gd", "full", 0, [4.0, 3.9, 3.8, 3.8], opt_cfg=GD))
    return paths


def test_coordinates_come_from_the_hive_folders(sweep):
    assert coordinates(sweep[0]) == {
        "dataset": "lin",
        "model": "m",
        "optimizer": "sgd",
        "lr": 0.1,
        "batch": "4",
        "init": "0",
        "order": "0",
    }
    with pytest.raises(ValueError, match="order"):
        coordinates("results/dataset=a/model=b/trajectory.parquet")


def test_quantiles_across_order_seeds_leave_out_diverged_runs(sweep):
    rows, runs = read_runs(sweep)
    q = trajectory_quantiles(rows, runs)
    sgd = q[q["label"] == "SGD-4"].set_index("step")
    assert (sgd["n_runs"] == 5).all() and (sgd["n_diverged"] == 1).all()
    # orders 0..4 give 1, 2, 3, 4, 5 at step 3: numpy's linear-interpolated quantiles
    assert sgd.loc[3, "irrelevant_norm_q50"] == 3.0
    # float64 quantiles of small numbers: measured deviation 0 to 1.2e-16 relative here and
    # below (AMD EPYC); approx's default 1e-6 sits far above that rounding and far below the
    # distance to a neighbouring quantile or step (>= 1e-2)
    assert sgd.loc[3, "irrelevant_norm_q10"] == pytest.approx(np.quantile([1, 2, 3, 4, 5], 0.1))
    assert sgd.loc[3, "irrelevant_norm_q90"] == pytest.approx(np.quantile([1, 2, 3, 4, 5], 0.9))
    assert sgd["irrelevant_norm_q90"].max() < 1e9  # the diverged run's 1e9 is nowhere
    gd = q[q["label"] == "GD"]
    assert (gd["irrelevant_norm_q10"] == gd["irrelevant_norm_q90"]).all()


def test_quantiles_use_the_steps_every_run_recorded(tmp_path):
    paths = [
        write_run(tmp_path, "sgd", 4, 0, [4.0, 3.0, 2.0, 1.0]),
        write_run(tmp_path, "sgd", 4, 1, [4.0, 3.0]),
    ]
    q = trajectory_quantiles(*read_runs(paths))
    assert q["step"].tolist() == [0, 1]


def test_final_states_and_summary(sweep):
    rows, runs = read_runs(sweep)
    final = final_states(rows, runs)
    diverged = final[final["status"] == "diverged"].iloc[0]
    assert diverged["order"] == "5" and diverged["diverged_step"] == 1 and diverged["steps"] == 1
    gd = final[final["label"] == "GD"].iloc[0]
    assert gd["init_irrelevant_norm"] == 4.0 and gd["final_irrelevant_norm"] == 3.8
    assert gd["half_irrelevant_norm"] == pytest.approx(3.85)  # interpolated at step 1.5
    assert gd["late_loss_q50"] == pytest.approx(np.median([1 / 2, 1 / 3, 1 / 4]))  # steps >= 0.3
    summary = final_summary(final).set_index("label")
    assert summary.loc["SGD-4", "n_runs"] == 6 and summary.loc["SGD-4", "n_diverged"] == 1
    assert summary.loc["SGD-4", "final_irrelevant_norm_q50"] == 3.0
    assert set(final["experiment"]) == {"E1"}
    table = summary_table(final_summary(final)).set_index("optimizer")["final irrelevant norm"]
    # median [10%, 90%] of the 5 completed runs' 1..5; one run: just its value
    assert table.to_dict() == {"SGD-4": "3.000 [1.400, 4.600]", "GD": "3.800"}


def test_labels_and_order():
    assert optimizer_kind({"batch": "full"}) == "gd"
    assert optimizer_kind({"batch": "full", "weight_decay": 0.1}) == "gd_wd"
    assert optimizer_kind({"weight_decay": 0.1}) == "sgd_wd"
    assert [run_label("gd", "full"), run_label("sgd", "32"), run_label("gd_wd", "full")] == [
        "GD",
        "SGD-32",
        "GD+wd",
    ]
    keys = [("sgd", "1"), ("gd_wd", "full"), ("sgd", "512"), ("gd", "full"), ("sgd", "32")]
    ordered = [run_label(*k) for k in sorted(keys, key=lambda k: label_order(*k))]
    assert ordered == ["GD", "SGD-512", "SGD-32", "SGD-1", "GD+wd"]  # the paper's column order


def test_two_optimizers_of_one_kind_get_their_names(tmp_path):
    paths = [
        write_run(tmp_path, "gd", "full", 0, [4.0, 3.0], opt_cfg=GD),
        write_run(tmp_path, "gd_long", "full", 0, [4.0, 2.0], opt_cfg=GD),
    ]
    _, runs = read_runs(paths)
    assert sorted(runs["label"]) == ["GD (gd)", "GD (gd_long)"]


@pytest.mark.parametrize(
    "dataset, model, init, expected",
    [
        ({"kind": "synthetic", "target": "linear"}, {}, 0, "E1"),
        ({"kind": "synthetic", "target": "sine"}, {"activation": "identity"}, 0, "E2"),
        ({"kind": "synthetic", "target": "staircase"}, {}, 0, "E3"),
        ({"kind": "synthetic", "target": "sine"}, {}, 3, "E4"),
        ({"kind": "synthetic", "target": "linear"}, {"activation": "relu"}, 3, "E5"),
        ({"kind": "digits"}, {}, 0, "E7"),
        # an MNIST MLP with ReLU is E7, not E5 (the data set's kind decides first)
        ({"kind": "mnist_bundled"}, {"activation": "relu"}, 0, "E7"),
        ({"kind": "mnist"}, {"activation": "relu"}, 2, "E7"),
        ({"kind": "resnet18_features"}, {"activation": "relu"}, 0, "E9"),
        ({"kind": "toy_points"}, {}, 0, "E6"),
        ({"kind": "something_else"}, {"activation": "relu"}, 0, "other"),
    ],
)
def test_experiment_ids(dataset, model, init, expected):
    assert experiment_id(dataset, model, init, first_init=0) == expected


def test_experiment_of_a_later_init_seed_in_the_data(tmp_path):
    paths = [write_run(tmp_path, "gd", "full", 0, [4.0, 3.0], opt_cfg=GD, init=init) for init in (2, 7)]
    _, runs = read_runs(paths)
    assert dict(zip(runs["init"], runs["experiment"])) == {"2": "E1", "7": "E4"}
    assert isinstance(runs, pd.DataFrame)

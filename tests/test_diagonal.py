"""Diagonal networks (models.structure: diagonal): shapes, the normal init, and training
on the torch engine against a hand-written loop on f(x) = sum_j (prod_l w_l[j]) x_j."""

import numpy as np
import pytest
import torch
from conftest import tiny_config
from envelopes import bars, relative_deviation, rounding_twin
from specs import make_spec, with_defaults

from sgd_support.core.data.store import Dataset
from sgd_support.core.data.synthetic import make_synthetic, support_mask
from sgd_support.core.engines import pick_engine, torch_only_keys
from sgd_support.core.group import lockstep_engine
from sgd_support.core.models import (
    diagonal_shapes,
    given_weights,
    model_init,
    model_shapes,
    normal_weights,
    structural_masks,
)
from sgd_support.core.training import train
from sgd_support.experiments.synthetic.targets import synthetic_pairs
from sgd_support.sweep.cost import run_cost
from sgd_support.sweep.placement import group_engine, model_weights
from sgd_support.sweep.runs import expand_runs
from sgd_support.sweep.validation import check_config

D, R = 6, 2


def diagonal_model(depth=3, **extra) -> dict:
    return {"structure": "diagonal", "depth": depth, "init": "normal", "init_std": 1.0, **extra}


def test_shapes_and_masks():
    assert diagonal_shapes(5, 3, 1) == [(5, 5), (5, 5), (1, 5)]
    assert model_shapes(5, diagonal_model(2), 2) == [(5, 5), (2, 5)]
    assert model_shapes(5, {"structure": "dense", "widths": [3]}, 1) == [(3, 5), (1, 3)]
    masks = structural_masks(diagonal_shapes(4, 3, 1), "diagonal")
    np.testing.assert_array_equal(masks[0], np.eye(4))
    np.testing.assert_array_equal(masks[2], np.ones((1, 4)))
    assert structural_masks([(3, 5), (1, 3)], "dense") is None
    with pytest.raises(ValueError, match="depth >= 2"):
        diagonal_shapes(4, 1, 1)


def test_normal_init_diagonal_zeros_seed_and_scale():
    shapes = diagonal_shapes(D, 3, 1)
    a = model_init(shapes, diagonal_model(init_std=0.5), seed=0)
    assert [w.shape for w in a] == shapes and all(w.dtype == np.float32 for w in a)
    for w in a[:-1]:
        assert np.count_nonzero(w - np.diag(np.diag(w))) == 0  # off-diagonal exactly 0
        assert np.all(np.diag(w) != 0)
    assert np.all(a[-1] != 0)
    for x, y in zip(a, model_init(shapes, diagonal_model(init_std=0.5), seed=0)):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], model_init(shapes, diagonal_model(init_std=0.5), seed=1)[0])
    # the same draws scale with init_std (only the non-structural entries are drawn)
    b = model_init(shapes, diagonal_model(init_std=1.0), seed=0)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, 0.5 * y, rtol=1e-7)


def test_normal_init_is_standard_normal():
    # 200 x 200 dense draws: mean within 4 standard errors (4 / 200 = 0.02) of 0 and the
    # sample std within 4 of its standard errors (1 / sqrt(2 * 40,000) = 0.0035) of init_std
    (w,) = normal_weights([(200, 200)], seed=3, std=2.0)
    assert abs(w.mean()) < 4 * 2.0 / 200
    assert abs(w.std() - 2.0) < 4 * 2.0 * 0.0035


def test_given_values_must_respect_structural_zeros():
    shapes = diagonal_shapes(2, 2, 1)
    masks = structural_masks(shapes, "diagonal")
    given_weights(shapes, [[[1, 0], [0, 2]], [[3, 4]]], masks)
    with pytest.raises(ValueError, match="not zero off its diagonal"):
        given_weights(shapes, [[[1, 5], [0, 2]], [[3, 4]]], masks)
    with pytest.raises(ValueError, match="dense models"):
        model_init(shapes, diagonal_model(2, init="kaiming_normal"), seed=0)


@pytest.fixture(scope="module")
def data():
    x, y = make_synthetic(200, D, R, 0.001, "linear", seed=0)
    return Dataset(x=x, y=y, support=support_mask(D, R))


def reference(x, y, init, lr, steps, clip, activation):
    """GD on the diagonal network written on its diagonals: u_l = diag(W_l) for the
    square layers, v = W_L (1 x d); f(x) = v . act(u_{L-1} * ... act(u_1 * x)), the loss
    mean((f - y)^2), the gradients' global norm clipped as torch's clip_grad_norm_.
    Returns the (full loss, ||u_1[r:]||) before each step and after the last."""
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    params = [torch.tensor(np.diag(w).copy(), requires_grad=True) for w in init[:-1]]
    params.append(torch.tensor(init[-1].copy(), requires_grad=True))
    act = torch.relu if activation == "relu" else (lambda h: h)

    def loss_of():
        h = x
        for u in params[:-1]:
            h = act(h * u)
        return torch.mean((h @ params[-1].T - y) ** 2)

    out = []
    for _ in range(steps):
        loss = loss_of()
        out.append((float(loss.detach()), float(torch.linalg.vector_norm(params[0][R:].detach()))))
        grads = torch.autograd.grad(loss, params)
        total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
        coef = torch.clamp(clip / (total + 1e-6), max=1.0)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p.add_(g * coef, alpha=-lr)
    with torch.no_grad():
        out.append((float(loss_of()), float(torch.linalg.vector_norm(params[0][R:].detach()))))
    return out


@pytest.mark.parametrize("activation", ["identity", "relu"])
def test_gd_matches_the_loop_on_the_diagonals(data, activation):
    steps = 300
    init = model_init(diagonal_shapes(D, 3, 1), diagonal_model(init_std=0.8), seed=2)
    spec = make_spec(
        lr=0.05, steps=steps, structure="diagonal", activation=activation, clip=1.0, device="cpu", every=1
    )
    rows = train(data, init, spec).rows
    ref = reference(data.x, data.y, init, 0.05, steps, 1.0, activation)
    ours = {
        "full_loss": [r["full_loss"] for r in rows],
        "irrelevant_norm": [r["irrelevant_norm"] for r in rows],
    }
    theirs = {"full_loss": [loss for loss, _ in ref], "irrelevant_norm": [norm for _, norm in ref]}
    # the bar: 10x the rounding envelope measured here, this run against its rounding
    # twin (init one ulp away, lr one ulp up; tests/envelopes.py), at every step
    twin = rounding_twin(train, data, init, spec).rows
    bar = bars(relative_deviation(twin, rows, ("irrelevant_norm", "full_loss")))
    for key, bound in bar.items():
        deviation = np.max(np.abs(np.subtract(ours[key], theirs[key])) / np.abs(theirs[key]))
        assert deviation <= bound, (key, deviation, bound)
    # training moved the loss and the irrelevant weights (the comparison is not vacuous)
    assert ours["full_loss"][-1] < 0.6 * ours["full_loss"][0]
    assert abs(ours["irrelevant_norm"][-1] - ours["irrelevant_norm"][0]) > 1e-2


@pytest.mark.parametrize(
    "update",
    [
        {},
        {"momentum": 0.9, "nesterov": True},
        {"adam": {"betas": [0.9, 0.999], "eps": 1e-8, "decoupled": True}},
    ],
    ids=["sgd", "nesterov", "adamw"],
)
def test_structural_zeros_stay_zero_under_sgd_and_weight_decay(data, update):
    init = model_init(diagonal_shapes(D, 4, 1), diagonal_model(4), seed=0)
    spec = make_spec(
        lr=0.02, batch=8, steps=200, structure="diagonal", weight_decay=0.1, device="cpu", **update
    )
    result = train(data, init, spec)
    final = result.snapshots[-1][1]
    for w in final[:-1]:
        assert np.count_nonzero(w - np.diag(np.diag(w))) == 0
    assert not np.array_equal(final[0], init[0])  # the diagonal did train
    assert result.engine["engine"] == "torch"


def test_routing_diagonal_runs_to_torch():
    spec = make_spec(structure="diagonal")
    assert torch_only_keys(vars(spec)) == ["structure"] and torch_only_keys(vars(make_spec())) == []
    assert pick_engine("auto", 30, activation="identity", loss="mse", torch_only=("structure",)) == "torch"
    for forced in ("numba", "linear"):
        with pytest.raises(ValueError, match="does not implement structure"):
            pick_engine(forced, 30, activation="identity", loss="mse", torch_only=("structure",))
    init = model_init(diagonal_shapes(D, 2, 1), diagonal_model(2), seed=0)
    assert lockstep_engine(spec, init) == "sequential"  # the sequential path: one run after another


def test_a_diagonal_config_validates_and_places():
    config = tiny_config()
    config["models"]["diag"] = {"structure": "diagonal", "depth": 3, "init": "normal", "activation": "relu"}
    config["sweeps"]["tiny"]["models"] = ["lin", "diag"]
    check_config(with_defaults(config))
    assert config["models"]["diag"]["init_std"] == 1.0  # the schema's default
    assert model_weights(config, "linear", "diag") == 2 * D * D + D  # stored dense
    runs = [r for r in expand_runs(config) if r["model"] == "diag"]
    assert group_engine(config, runs) == "sequential"
    # E1-E5 (the synthetic family) are dense MLPs': diagonal runs make none of their files
    assert synthetic_pairs(config, expand_runs(config)) == [("linear", "lin")]
    assert run_cost(config, runs[0]).engine == "torch"


def test_the_init_rule_draws_a_diagonal_model(tmp_path):
    import json

    from sgd_support.cli import init_weights as init_cli
    from sgd_support.core.data.registry import build_dataset
    from sgd_support.core.data.store import save_dataset
    from sgd_support.core.models import load_weights

    save_dataset(build_dataset({"kind": "relu_counterexample", "n": 10, "d": 3}), tmp_path / "d.npz")
    config = tiny_config()
    config["models"]["diag"] = {"structure": "diagonal", "depth": 2, "init": "normal", "init_std": 0.1}
    model = with_defaults(config)["models"]["diag"]
    out = tmp_path / "w.npz"
    init_cli.main(
        ["--data", str(tmp_path / "d.npz"), "--model", json.dumps(model), "--seed", "4", "--out", str(out)]
    )
    weights = load_weights(out)
    assert [w.shape for w in weights] == [(3, 3), (1, 3)]
    for x, y in zip(weights, model_init(diagonal_shapes(3, 2, 1), model, seed=4)):
        np.testing.assert_array_equal(x, y)

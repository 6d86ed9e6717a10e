"""Initial weights: the authors' random conventions, and one init per seed."""

import numpy as np
import torch

from sgd_support.core.models import init_weights, layer_shapes


def authors_init(seed, sizes):
    """How the authors' notebooks build the network: nn.Linear layers after
    manual_seed, then kaiming_normal_ on each weight."""
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(a, b, bias=False) for a, b in zip(sizes[:-1], sizes[1:])]
    for layer in layers:
        torch.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    return [layer.weight.detach().numpy() for layer in layers]


def test_matches_authors_construction_bit_for_bit():
    for seed in (0, 1, 5):
        ours = init_weights(layer_shapes(15, [15, 15, 15], 1), seed)
        for a, b in zip(ours, authors_init(seed, [15, 15, 15, 15, 1])):
            np.testing.assert_array_equal(a, b)


def test_seed0_irrelevant_norm_is_the_papers():
    w = init_weights(layer_shapes(15, [15, 15, 15], 1), 0)
    assert abs(np.linalg.norm(w[0][:, 5:]) - 4.48) < 0.005  # spec: starts at 4.48


def test_shapes_any_widths_and_seed_dependence():
    shapes = layer_shapes(7, [3, 9], 2)
    assert shapes == [(3, 7), (9, 3), (2, 9)]
    a, b = init_weights(shapes, 0), init_weights(shapes, 1)
    assert [w.shape for w in a] == shapes
    assert all(w.dtype == np.float32 for w in a)
    assert not np.array_equal(a[0], b[0])
    for x, y in zip(a, init_weights(shapes, 0)):
        np.testing.assert_array_equal(x, y)

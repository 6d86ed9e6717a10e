"""Per-step cost of the linear engine against the numba engine it replaces, side by side.

One process, the default linear data set (10,000 x 15), the 15 -> 15 -> 15 -> 15 -> 1
linear network, lr 0.1, clip 1, the training driver's chunks and batch order
(``engine_speed.engine_loop``), the runners taking turns repeat by repeat (CPU seconds,
median; wall beside it). Rows:

- numba: today's engine (before); linear: core/engines/linear.py (after): GD from the
  sufficient statistics, SGD through the end-to-end matrix;
- gram (b >= 128): the issue's variant for SGD, the batch's own X_b^T X_b (b d^2 / 2
  multiply-adds) fed to the GD kernel, kept here only as a measurement: the residuals
  through the end-to-end matrix cost 2 b d instead.

Then the paper grid's estimate with groups (``sgd-support plan`` of config/paper.yaml
with ``training.group: cell``), from the calibration in the tree.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/linear_engine.py [--repeats 5] [--seconds 0.5]``
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from engine_speed import engine_loop, time_interleaved  # noqa: E402

from sgd_support.core.data.store import Dataset  # noqa: E402
from sgd_support.core.data.synthetic import make_synthetic, support_mask  # noqa: E402
from sgd_support.core.engines.linear import LinearEngine, _apply, _collapse, _gradients  # noqa: E402
from sgd_support.core.engines.numba_engine import NumbaEngine  # noqa: E402
from sgd_support.core.models import init_weights, layer_shapes  # noqa: E402

BATCHES = (1, 32, 128, 512, "full")


@numba.njit(cache=True, fastmath={"reassoc", "contract"})
def _gram_chunk(x, y, indices, offsets, params, shapes, poff, lr, wd, clip, a, u, grads, s_b):
    """SGD from each batch's own statistics: S_b = X_b^T X_b / b (upper triangle, then
    mirrored), c_b = X_b^T y_b / b, then the GD kernel's update (k = 1 output)."""
    d = shapes[0, 1]
    loss = np.nan
    for j in range(offsets.shape[0] - 1):
        start, stop = offsets[j], offsets[j + 1]
        b = stop - start
        s_b[:, :] = 0.0
        c = np.zeros(d)
        yy = 0.0
        for r in range(start, stop):
            xr, yr = x[indices[r]], np.float64(y[indices[r], 0])
            for f in range(d):
                xf = np.float64(xr[f])
                c[f] += xf * yr
                for e in range(f, d):
                    s_b[f, e] += xf * xr[e]
            yy += yr * yr
        for f in range(d):
            for e in range(f, d):
                s_b[f, e] /= b
                s_b[e, f] = s_b[f, e]
        _collapse(params, shapes, poff, a)
        p, g = a[0, 0], u[0, 0]
        quad = 0.0
        for f in range(d):
            s = 0.0
            for e in range(d):
                s += s_b[f, e] * p[e]
            quad += p[f] * (s - 2.0 * c[f] / b)
            g[f] = 2.0 * (s - c[f] / b)
        loss = quad + yy / b
        _apply(params, grads, _gradients(params, shapes, poff, a, u, grads), lr, wd, clip)
    return loss


class GramEngine(LinearEngine):
    name = "gram"

    def step_batches(self, indices, offsets):
        s_b = np.zeros((self.x.shape[1], self.x.shape[1]))
        idx, off = (np.ascontiguousarray(v, dtype=np.int64) for v in (indices, offsets))
        weights = (self.params, self.shapes, self.poff, self.lr, self.wd, self.clip)
        return _gram_chunk(self.x, self.y, idx, off, *weights, self._a, self._u, self.grads, s_b)


def grid_estimate() -> list[str]:
    """``sgd-support plan`` of config/paper.yaml with training.group: cell."""
    import tempfile

    import yaml

    from sgd_support.sweep.plan import plan_report

    config = yaml.safe_load((HERE.parent / "config" / "paper.yaml").read_text())
    config["training"]["group"] = "cell"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "paper-grouped.yaml"
        path.write_text(yaml.safe_dump(config))
        return plan_report(path, 2, Path(tmp) / "results")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=0.5, help="CPU seconds per repeat")
    parser.add_argument("--no-grid", action="store_true", help="skip the paper grid's estimate")
    args = parser.parse_args()
    x, y = make_synthetic(5000, 15, 5, 0.001, "linear", seed=0)
    data = Dataset(x=x, y=y, support=support_mask(15, 5))
    shapes = layer_shapes(15, [15, 15, 15], 1)
    init = init_weights(shapes, 0)
    print(f"# linear engine vs numba; data {data.n} x {data.d}; model {shapes}; 1 thread, CPU us per step")
    print(f"{'engine':<8} {'b':>6} {'us/step':>10} {'wall us':>10} {'x numba':>8}")
    for batch in BATCHES:
        b = data.n if batch == "full" else batch
        runs = {
            "numba": engine_loop(NumbaEngine, data, init, b),
            "linear": engine_loop(LinearEngine, data, init, b),
        }
        if batch != "full" and batch >= 128:
            runs["gram"] = engine_loop(GramEngine, data, init, b)
        timed = time_interleaved(runs, args.seconds, args.repeats)
        base = timed["numba"][0]
        for name, (cpu, wall) in timed.items():
            print(
                f"{name:<8} {batch!s:>6} {cpu * 1e6:>10.2f} {wall * 1e6:>10.2f} {base / cpu:>8.1f}",
                flush=True,
            )
    if not args.no_grid:
        print()
        print("\n".join(grid_estimate()))


if __name__ == "__main__":
    main()

"""Time one full cell of the paper grid in one process, as a group job trains it.

A cell is one (data set, model, lr, init seed) of ``config/paper.yaml``: SGD at b in
{1, 32, 128, 512} with 10 order seeds each for 200,000 steps, plus GD (20,000 steps)
and GD+wd (5,000): 42 runs. Each run goes through ``training.train`` with the config's
own spec (engine "auto": linear networks on the linear engine at full batch and from
b=32, numba otherwise), recording included, one after another as a CPU group runs
them. Prints the CPU seconds of each (optimizer, batch) and of the cell, and the
paper grid extrapolated from the cells timed: every cell of a model costs what its
timed cell cost (the data sets differ only in their targets, the lrs and inits only
in the trajectory, not in the work per step), plus one process start per group job.

CPU seconds (``time.process_time``), because the machine is shared: wall time is
printed beside them. ``--orders`` times fewer order seeds and scales the SGD rows up.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/paper_cell.py [--models linear3x15 relu3x15] [--orders 10]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from sgd_support.core.data.registry import build_dataset  # noqa: E402
from sgd_support.core.engines import pick_engine  # noqa: E402
from sgd_support.core.models import init_weights, layer_shapes  # noqa: E402
from sgd_support.core.training import train  # noqa: E402
from sgd_support.sweep.config_check import load_config  # noqa: E402
from sgd_support.sweep.cost import load_calibration  # noqa: E402
from sgd_support.sweep.placement import model_weights  # noqa: E402
from sgd_support.sweep.runs import expand_runs, run_spec, train_groups  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configfile", default=str(REPO / "config" / "paper.yaml"))
    parser.add_argument("--dataset", default="linear")
    parser.add_argument("--models", nargs="+", default=["linear3x15", "relu3x15"])
    parser.add_argument("--lr", default="0.1")
    parser.add_argument("--init", default="0")
    parser.add_argument("--orders", type=int, default=10, help="order seeds timed per batch size")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    config = load_config(args.configfile)
    runs = expand_runs(config)
    data = build_dataset(config["datasets"][args.dataset])
    cells = {}  # model -> CPU seconds of a full cell
    print(f"# {args.configfile}: one cell = dataset {args.dataset}, lr {args.lr}, init {args.init}")
    print(
        f"{'model':<11} {'optimizer':<7} {'batch':>5} {'engine':<7} {'runs':>4} {'steps':>8} "
        f"{'CPU-s':>8} {'wall-s':>7}"
    )
    for model in args.models:
        cell = [
            r
            for r in runs
            if (r["dataset"], r["model"], r["lr"], r["init"]) == (args.dataset, model, args.lr, args.init)
        ]
        total = 0.0
        by_key: dict[tuple, list] = {}
        for run in cell:
            by_key.setdefault((run["optimizer"], run["batch"]), []).append(run)
        for (optimizer, batch), members in by_key.items():
            timed = members[: args.orders]
            spec = run_spec(config, timed[0])
            shapes = layer_shapes(data.d, config["models"][model]["widths"], data.outputs)
            engine = pick_engine(
                spec.engine,
                model_weights(config, args.dataset, model),
                activation=spec.activation,
                loss=spec.loss,
                batch=spec.batch,
            )
            cpu0, wall0 = time.process_time(), time.monotonic()
            for run in timed:
                train(data, init_weights(shapes, int(run["init"])), run_spec(config, run))
            cpu = (time.process_time() - cpu0) * len(members) / len(timed)
            wall = (time.monotonic() - wall0) * len(members) / len(timed)
            total += cpu
            print(
                f"{model:<11} {optimizer:<7} {batch:>5} {engine:<7} {len(members):>4} {spec.steps:>8} "
                f"{cpu:>8.1f} {wall:>7.1f}",
                flush=True,
            )
        cells[model] = total
        print(f"{model:<11} cell: {len(cell)} runs, {total:.1f} CPU-s", flush=True)
    # extrapolate: every cell of a model costs its timed cell; one process start per group
    per_model = {}
    for run in runs:
        per_model.setdefault(run["model"], set()).add((run["dataset"], run["lr"], run["init"]))
    groups = train_groups(runs)
    start = load_calibration()["job_start_s"]["numba"]
    cpu_s = sum(cells[m] * len(per_model[m]) for m in cells) + len(groups) * start
    if set(cells) == set(per_model):
        print(
            f"paper grid: {sum(len(v) for v in per_model.values())} cells, {len(groups)} group jobs: "
            f"{cpu_s / 3600:.2f} CPU-h of training, {cpu_s / 3600 / args.cores:.2f} h on {args.cores} cores "
            f"(Snakemake's per-job overhead not included; sgd-support plan adds it)"
        )


if __name__ == "__main__":
    main()

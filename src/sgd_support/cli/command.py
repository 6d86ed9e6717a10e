"""``sgd-support plan`` (what a config's sweep will cost) and ``sgd-support status``
(where its results stand), for the config Snakemake would run.

Usage, in the working directory of the workflow (where ``results/`` is):
``sgd-support plan [--configfile F] [--cores N]``,
``sgd-support status [--configfile F] [--results results]``
(or ``python -m sgd_support.cli.command ...``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sgd_support.config import expand_runs
from sgd_support.sweep import cost, plan
from sgd_support.sweep.status import STATES, sweep_status
from sgd_support.sweep.workflow_config import DEFAULT, load_config


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.3f}"


def print_plan(configfile: Path, cores: int, results: Path) -> None:
    config = load_config(configfile)
    runs = expand_runs(config)
    costs = [cost.run_cost(config, run) for run in runs]
    finished = cost.measured(config, results / "benchmarks")
    ratios = cost.ratios(finished)
    costs = [cost.refined(c, ratios) for c in costs]
    strata = plan.strata(costs)
    for estimate, _ in finished:
        if estimate.stratum in strata:
            strata[estimate.stratum].calibrated_by += 1
    counts = plan.job_counts(configfile)
    jobs = sum(n for rule, n in counts.items() if rule not in plan.LOCAL_RULES)
    print(
        f"# {configfile}: {len(runs)} training runs, {jobs} jobs; per-step costs of "
        f"{cost.load_calibration()['machine']['cpu']}; {len(finished)} finished runs' benchmarks "
        f"under {results / 'benchmarks'} scale the estimates"
    )
    print(
        f"{'kind':<18} {'weights':>8} {'batch':>5} {'engine':<6} {'runs':>5} {'steps':>13} "
        f"{'CPU-h':>8} {'GPU-h':>7} {'measured':>8}"
    )
    for (kind, weights, batch, engine), row in strata.items():
        print(
            f"{kind:<18} {weights:>8} {batch!s:>5} {engine:<6} {row.runs:>5} {row.steps:>13,} "
            f"{hours(row.cpu_s):>8} {hours(row.gpu_s):>7} {row.calibrated_by:>8}"
        )
    cpu_s, gpu_s = sum(r.cpu_s for r in strata.values()), sum(r.gpu_s for r in strata.values())
    wall = plan.local_wall_s(costs, jobs, cores)
    print(
        f"total: {len(runs)} runs, {sum(r.steps for r in strata.values()):,} steps, {hours(cpu_s)} CPU-h "
        f"(training, no GPU), {hours(gpu_s)} GPU-h (GPU-kind runs on GPU nodes)"
    )
    print(f"wall time on {cores} local cores: {wall / 3600:.2f} h ({wall:.0f} s, all {jobs} jobs)")
    print(
        f"SLURM (slurm/ profile): {plan.submissions(counts)} sbatch submissions "
        f"({plan.submissions(counts, bundled=False)} without bundling)"
    )


def print_status(configfile: Path, results: Path) -> None:
    runs = expand_runs(load_config(configfile))
    table = sweep_status(results, runs)
    print(f"# {configfile}: {len(runs)} training runs under {results}")
    print(
        f"{'dataset':<14} {'model':<12} {'optimizer':<16} {'batch':>5} "
        + " ".join(f"{s:>10}" for s in STATES)
    )
    for (dataset, model, optimizer, batch), counter in table.items():
        print(
            f"{dataset:<14} {model:<12} {optimizer:<16} {batch:>5} "
            + " ".join(f"{counter[s]:>10}" for s in STATES)
        )
    total = {s: sum(c[s] for c in table.values()) for s in STATES}
    print("total: " + ", ".join(f"{total[s]} {s}" for s in STATES))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="sgd-support", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("plan", "estimate the cost of a config's sweep"), ("status", "state of each run")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument(
            "--configfile", type=Path, default=DEFAULT, help="default: the repository's config.yaml"
        )
        sub.add_argument(
            "--results", type=Path, default=Path("results"), help="the results folder (default: results)"
        )
        if name == "plan":
            sub.add_argument("--cores", type=int, default=2, help="local cores for the wall-time estimate")
    args = parser.parse_args(argv)
    if args.command == "plan":
        print_plan(args.configfile, args.cores, args.results)
    else:
        print_status(args.configfile, args.results)


if __name__ == "__main__":
    main()

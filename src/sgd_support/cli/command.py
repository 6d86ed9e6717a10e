"""sgd-support check, plan, status and repair, for the config Snakemake would run.

Usage, in the working directory of the workflow (where ``config.yaml`` and ``results/``
are, as for ``snakemake``):
``sgd-support check [--configfile F]`` (the config's checks, as the workflow runs them),
``sgd-support plan [--configfile F] [--cores N]`` (what its sweep will cost),
``sgd-support status [--configfile F] [--results results]`` (where its results stand,
damaged files listed), ``sgd-support repair [--results results]`` (move damaged files
aside, so that the next snakemake run rebuilds them);
or ``python -m sgd_support.cli.command ...``. A mistake prints one line (exit code 2);
``--debug`` or SGD_SUPPORT_DEBUG=1 prints its traceback.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sgd_support.cli.common import one_line_errors
from sgd_support.sweep.config_check import load_config
from sgd_support.sweep.plan import plan_report
from sgd_support.sweep.runs import expand_runs
from sgd_support.sweep.status import repair_report, status_report

DESCRIPTION = (
    "Check a config, estimate its sweep's cost, show where its results stand, or move damaged "
    "result files aside, for the config snakemake would run (run it where snakemake runs)."
)
CONFIGFILE = "default: config.yaml in the current folder, as for snakemake"
COMMANDS = {
    "check": "check a config as the workflow does (schema, names, limits, semantics)",
    "plan": "estimate the cost of a config's sweep",
    "status": "state of each run: done, diverged, checkpoint, missing, stale, damaged",
    "repair": "move damaged result files into RESULTS/.damaged/ so that snakemake rebuilds them",
}


def parser() -> argparse.ArgumentParser:
    out = argparse.ArgumentParser(prog="sgd-support", description=DESCRIPTION, allow_abbrev=False)
    debug = {"action": "store_true", "help": "print the traceback of an error (as SGD_SUPPORT_DEBUG=1)"}
    out.add_argument("--debug", **debug)
    commands = out.add_subparsers(dest="command", required=True)
    for name, text in COMMANDS.items():
        sub = commands.add_parser(name, help=text, description=text, allow_abbrev=False)
        sub.add_argument("--debug", default=argparse.SUPPRESS, **debug)
        if name == "check":  # several files merge, as snakemake's --configfile A B
            sub.add_argument(
                "--configfile", type=Path, nargs="+", default=[Path("config.yaml")], help=CONFIGFILE
            )
        elif name != "repair":
            sub.add_argument("--configfile", type=Path, default=Path("config.yaml"), help=CONFIGFILE)
        if name != "check":
            sub.add_argument(
                "--results", type=Path, default=Path("results"), help="the results folder (default: results)"
            )
        if name == "plan":
            sub.add_argument("--cores", type=int, default=2, help="local cores for the wall-time estimate")
    return out


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.command == "check":
        runs = expand_runs(load_config(*args.configfile))
        lines = [f"{' + '.join(map(str, args.configfile))}: valid, {len(runs)} training runs"]
    elif args.command == "plan":
        lines = plan_report(args.configfile, args.cores, args.results)
    elif args.command == "status":
        lines = status_report(args.configfile, args.results)
    else:
        lines = repair_report(args.results)
    print("\n".join(lines))


if __name__ == "__main__":
    main()

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

from sgd_support.sweep.plan import plan_report
from sgd_support.sweep.status import status_report
from sgd_support.sweep.workflow_config import DEFAULT


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
        lines = plan_report(args.configfile, args.cores, args.results)
    else:
        lines = status_report(args.configfile, args.results)
    print("\n".join(lines))


if __name__ == "__main__":
    main()

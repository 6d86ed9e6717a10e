"""The report's section "The paper's figures" (:mod:`sgd_support.reporting.paper_figures`):
per figure of the paper, its setting, this pipeline's counterpart, the config that makes it
at the paper's scale and the verdict, with the counterpart files this run makes.

Usage: ``python -m sgd_support.cli.paper_figures --html OUT.html --caption OUT.rst TARGET...``
(TARGET: the run's report targets, ``sgd_support.experiments.families.all_targets``)
"""

from __future__ import annotations

import argparse

from sgd_support.cli.common import setup_logging
from sgd_support.reporting.paper_figures import write_section


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("targets", nargs="*", help="the run's report targets")
    parser.add_argument("--html", required=True)
    parser.add_argument("--caption", required=True, help="output: the counts (reStructuredText)")
    args = parser.parse_args(argv)
    setup_logging()
    write_section(args.targets, args.html, args.caption)


if __name__ == "__main__":
    main()

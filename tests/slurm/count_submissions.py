"""Count the sbatch submissions `snakemake --profile slurm` makes for a config.

Reads a dry run: every top-level job is one submission, a group job (a bundle of
train_run jobs) counts once, local rules (the Snakefile's `localrules:`) count zero. Prints the count with
the profile's bundling and without it (`--group-components train=1`).

Usage, in the repository root:  python tests/slurm/count_submissions.py [snakemake args]
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from sgd_support.sweep.plan import LOCAL_RULES  # the Snakefile's localrules: never submitted

REPO = Path(__file__).resolve().parents[2]


def count_submissions(dry_run_output: str) -> int:
    """Number of jobs the SLURM executor would submit, from a dry run's stdout."""
    groups = len(re.findall(r"^\[[^\]]+\] Group job ", dry_run_output, flags=re.M))
    # top-level jobs start at column 0; jobs inside a group job are indented
    rules = re.findall(r"^(?:local)?rule (\w+):$", dry_run_output, flags=re.M)  # a dry run says "rule"
    return groups + sum(name not in LOCAL_RULES for name in rules)


def dry_run(*args: str) -> str:
    cmd = [sys.executable, "-m", "snakemake", "--profile", "slurm", "--dry-run", "--forceall", *args]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True)
    return proc.stdout


def main(argv: list[str]) -> None:
    bundled = count_submissions(dry_run(*argv))
    single = count_submissions(dry_run(*argv, "--group-components", "train=1"))
    print(f"sbatch submissions: {single} without bundling, {bundled} with the profile's bundling")


if __name__ == "__main__":
    main(sys.argv[1:])

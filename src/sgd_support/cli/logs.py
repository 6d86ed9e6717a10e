"""The one logging set-up of every command-line entry point: a job's log (the file
its rule redirects stdout and stderr to) reads the same for every rule."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(name)s %(message)s"


def setup_logging(filename: str | None = None, level: int = logging.INFO) -> None:
    """Log ``level`` and above with a timestamp and the logger's name, to stderr (or to
    ``filename``: a Snakemake script job has no shell to redirect its output)."""
    logging.basicConfig(filename=filename, level=level, format=FORMAT)

"""What every command-line entry point shares: one logging set-up, so a job's log (the
file its rule redirects stdout and stderr to) reads the same for every rule, and
expected failures as one line.

Expected failures print no traceback:

a config mistake, a missing file or a damaged one (``sgd_support.core.errors.UserError``,
FileNotFoundError) is printed as ``error: MESSAGE`` on stderr, with exit code 2; a
rule's job writes it to its log. Anything else is a bug and keeps its traceback.
``SGD_SUPPORT_DEBUG=1`` (or ``sgd-support --debug``) keeps the traceback of expected
failures too.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from typing import TypeVar

from sgd_support.core.errors import UserError

EXIT_CODE = 2  # as argparse's usage errors
DEBUG_ENV = "SGD_SUPPORT_DEBUG"
EXPECTED = (UserError, FileNotFoundError)

F = TypeVar("F", bound=Callable)


def message(err: BaseException) -> str:
    """The one line an expected failure prints."""
    if isinstance(err, FileNotFoundError) and err.filename:
        return f"no such file: {err.filename}"
    return " ".join(str(err).split("\n"))


def debugging(argv: list[str] | None = None) -> bool:
    """Whether tracebacks are wanted: SGD_SUPPORT_DEBUG set (not 0), or ``--debug`` given."""
    args = sys.argv[1:] if argv is None else argv
    return os.environ.get(DEBUG_ENV, "0") not in ("", "0") or "--debug" in args


def one_line_errors(main: F) -> F:
    """Wrap an entry point ``main(argv=None)`` (or any function, called from a Snakefile):
    expected failures print one line and exit with EXIT_CODE."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except EXPECTED as err:
            argv = args[0] if args and isinstance(args[0], list) else None
            if debugging(argv):
                raise
            print(f"error: {message(err)}", file=sys.stderr)
            raise SystemExit(EXIT_CODE) from None

    return wrapper  # type: ignore[return-value]


FORMAT = "%(asctime)s %(name)s %(message)s"


def setup_logging(filename: str | None = None, level: int = logging.INFO) -> None:
    """Log ``level`` and above with a timestamp and the logger's name, to stderr (or to
    ``filename``: a Snakemake script job has no shell to redirect its output)."""
    logging.basicConfig(filename=filename, level=level, format=FORMAT)

"""Mistakes a user can make or meet, as opposed to bugs: a config that asks for what
the pipeline cannot run, a missing file, a damaged one.

Each is a :class:`UserError` whose message is one line naming the key or the file and
what to do; the command-line entry points (``sgd_support.cli.common``) print that line
and exit with code 2 instead of a traceback. Light on imports: every training job
loads this module.
"""

from __future__ import annotations

import contextlib
import os
import zipfile
from collections.abc import Iterator

# What a user types to move damaged files aside (sgd_support.sweep.status); the next
# snakemake run then rebuilds them.
REPAIR = "sgd-support repair"


class UserError(Exception):
    """An expected failure, reported as its one-line message (no traceback)."""


class DamagedFileError(UserError):
    """A file exists but cannot be read as what it should be (cut short, overwritten,
    not written by this pipeline). Snakemake sees only that it exists, so it would never
    rebuild it by itself: the message says how to have it rebuilt."""

    def __init__(self, path: str | os.PathLike, reason: str) -> None:
        self.path, self.reason = str(path), reason
        super().__init__(
            f"damaged file {path} ({reason}): `{REPAIR}` moves it aside into results/.damaged/, "
            "then the same snakemake command rebuilds it"
        )


# What reading a damaged Parquet or .npz file raises: pyarrow's ArrowInvalid ("Parquet
# magic bytes not found") is a ValueError and its IO errors are OSErrors; numpy's
# np.load raises BadZipFile, EOFError, ValueError (a bad .npy header) or KeyError (a
# missing array); JSON metadata cut short raises a ValueError.
READ_ERRORS = (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile)


def reason(err: BaseException) -> str:
    """An exception as a short reason: its class and first message line."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__


@contextlib.contextmanager
def reading(path: str | os.PathLike) -> Iterator[None]:
    """Turn the failure to read the existing file ``path`` into a DamagedFileError naming
    it. A missing file stays a FileNotFoundError. Wrap only the reading calls: a
    ValueError of the caller's own would otherwise be taken for damage."""
    try:
        yield
    except FileNotFoundError:
        raise
    except READ_ERRORS as err:
        if not os.path.exists(path):
            raise
        raise DamagedFileError(path, reason(err)) from err

"""Compile the numba and linear engines' kernels into numba's on-disk cache, once per sweep.

Training jobs then load the compiled kernels (a fraction of a second) instead of
each compiling them (5-10 s). Writes a JSON note: numba version, cache location,
whether this was a compile or a cache hit, and how long it took.

Usage: ``python -m sgd_support.cli.compile_engine --out PATH``
"""

from __future__ import annotations

import argparse
import json
import logging
import time

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.core.atomic import atomic_path


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    setup_logging()
    start = time.monotonic()
    import numba

    from sgd_support.core.engines import linear
    from sgd_support.core.engines.numba_engine import compile_kernels

    report = {
        "numba": numba.__version__,
        **compile_kernels(),
        "linear": linear.compile_kernels(),
        "seconds": round(time.monotonic() - start, 2),
    }
    with atomic_path(args.out) as tmp:
        tmp.write_text(json.dumps(report, indent=2) + "\n")
    logging.info(
        "numba kernels ready in %.1f s (cache hits %d, misses %d) at %s",
        report["seconds"],
        report["cache_hits"],
        report["cache_misses"],
        report["cache_path"],
    )


if __name__ == "__main__":
    main()

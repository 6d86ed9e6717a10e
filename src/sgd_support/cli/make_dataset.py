"""Build one data set from its config entry and save it as ``.npz``.

Usage: ``python -m sgd_support.cli.make_dataset --config JSON --out PATH``
"""

from __future__ import annotations

import argparse
import json
import logging

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.core.data.registry import build_dataset
from sgd_support.core.data.store import save_dataset


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True, help="the data set's config entry, as JSON")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    setup_logging()
    ds = build_dataset(json.loads(args.config))
    save_dataset(ds, args.out)
    logging.info(
        "wrote %s: x %s, y %s, support %d of %d", args.out, ds.x.shape, ds.y.shape, ds.support.sum(), ds.d
    )


if __name__ == "__main__":
    main()

"""Encode an image data set with the frozen backbone once; write the features as a
data set that head training jobs read.

Usage: ``python -m sgd_support.cli.extract_features --source S.npz --config JSON --out PATH``
"""

from __future__ import annotations

import argparse
import json
import logging

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.core.data.features import build_features
from sgd_support.core.data.store import load_dataset, save_dataset


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", required=True, help="the source image data set (.npz)")
    parser.add_argument("--config", required=True, help="the features data set's config entry, as JSON")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    setup_logging()
    ds = build_features(load_dataset(args.source), json.loads(args.config))
    save_dataset(ds, args.out)
    logging.info(
        "wrote %s: x %s, test %s, %d of %d features vary",
        args.out,
        ds.x.shape,
        ds.x_test.shape,
        ds.support.sum(),
        ds.d,
    )


if __name__ == "__main__":
    main()

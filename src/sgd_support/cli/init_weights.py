"""Draw one model's initial weights for one data set and init seed.

Usage: ``python -m sgd_support.cli.init_weights --data D.npz --model JSON --seed S --out PATH``
"""

from __future__ import annotations

import argparse
import json
import logging

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.core.data.store import load_dataset
from sgd_support.core.models import model_init, model_shapes, save_weights


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", required=True, help="the model's config entry, as JSON")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    setup_logging()
    model = json.loads(args.model)
    ds = load_dataset(args.data)
    shapes = model_shapes(ds.d, model, ds.outputs)  # the schema's defaults filled in
    weights = model_init(shapes, model, args.seed)
    save_weights(weights, args.out)
    logging.info("wrote %s: layers %s", args.out, shapes)


if __name__ == "__main__":
    main()

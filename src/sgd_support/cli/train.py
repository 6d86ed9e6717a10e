"""Train one run and write its trajectory and weight-snapshot Parquet files.

Usage: ``python -m sgd_support.cli.train --data D.npz --init I.npz --run JSON
--trajectory T.parquet --weights W.parquet [--checkpoint C.npz]``

``--run`` is ``{"spec": RunSpec fields, "config": resolved config for provenance}``.
Imports only what the chosen engine needs (no torchvision; no torch for the
compiled CPU engine), so a job starts fast.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from sgd_support.cli.common import one_line_errors, setup_logging
from sgd_support.core.data.store import load_dataset
from sgd_support.core.models import load_weights
from sgd_support.core.storage import write_run
from sgd_support.core.training import spec_from_dict, train


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--init", required=True)
    parser.add_argument("--run", required=True, help='{"spec": {...}, "config": {...}} as JSON')
    parser.add_argument("--trajectory", required=True)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--checkpoint", default=None, help="resume from / save state to this file")
    parser.add_argument("--checkpoint-every", type=float, default=300.0, help="seconds")
    args = parser.parse_args(argv)
    setup_logging()
    run = json.loads(args.run)
    spec = spec_from_dict(run["spec"])
    result = train(
        load_dataset(args.data),
        load_weights(args.init),
        spec,
        checkpoint=args.checkpoint,
        checkpoint_every_s=args.checkpoint_every,
    )
    write_run(result, run, args.trajectory, args.weights)
    if args.checkpoint:
        Path(args.checkpoint).unlink(missing_ok=True)  # cleaned up after success
    logging.info(
        "done: %s, %d steps in %.1f s (%.0f steps/s); final loss %.6g, irrelevant norm %.4f",
        result.status,
        result.steps_done,
        result.wall_time_s,
        result.steps_per_s,
        result.rows[-1]["full_loss"],
        result.rows[-1]["irrelevant_norm"],
    )


if __name__ == "__main__":
    main()

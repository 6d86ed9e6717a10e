"""Train a group of runs in one process and write each run's own Parquet files.

Usage: ``python -m sgd_support.cli.train_group --data D.npz --group G.json
[--checkpoint C] [--checkpoint-every S]``

``G.json`` is ``{"name": ..., "members": [{"init": I.npz, "run": {"spec": ..., "config":
...}, "trajectory": T.parquet, "weights": W.parquet}, ...]}``: per run what
``cli.train`` takes. The files are those per-run jobs write, with the metadata key
``group`` added (name, size, member index). Snakemake calls ``run_group`` directly
(``workflow/scripts/train_group.py``).
"""

from __future__ import annotations

import argparse
import json
import logging

from sgd_support.cli.errors import one_line_errors
from sgd_support.cli.logs import setup_logging
from sgd_support.cli.train import write_run
from sgd_support.config import spec_from_dict
from sgd_support.data.store import load_dataset
from sgd_support.group import train_group
from sgd_support.models import load_weights


def run_group(
    data: str,
    name: str,
    members: list[dict],
    checkpoint: str | None = None,
    checkpoint_every_s: float = 300.0,
) -> None:
    """Train ``members`` (dicts as in the module docstring) and write their files. The
    outputs are written after all runs have trained, each file atomically; the group's
    checkpoints (``<checkpoint>.*.npz``) are deleted only after the last write."""
    specs = [spec_from_dict(m["run"]["spec"]) for m in members]
    inits = [load_weights(m["init"]) for m in members]
    results = train_group(
        load_dataset(data), inits, specs, checkpoint=checkpoint, checkpoint_every_s=checkpoint_every_s
    )
    for i, (member, result) in enumerate(zip(members, results)):
        group = {"name": name, "size": len(members), "member": i}
        write_run(result, member["run"], member["trajectory"], member["weights"], group=group)
    if checkpoint:
        from pathlib import Path

        for path in Path(checkpoint).parent.glob(Path(checkpoint).name + ".*.npz"):
            path.unlink()
    diverged = sum(r.status == "diverged" for r in results)
    logging.info(
        "done: group %s, %d runs (%d diverged) in %.1f s",
        name,
        len(results),
        diverged,
        max(r.wall_time_s for r in results),
    )


@one_line_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--group", required=True, help="JSON file: name and members")
    parser.add_argument("--checkpoint", default=None, help="prefix of the group's checkpoint files")
    parser.add_argument("--checkpoint-every", type=float, default=300.0, help="seconds")
    args = parser.parse_args(argv)
    setup_logging()
    with open(args.group) as fh:
        group = json.load(fh)
    run_group(args.data, group["name"], group["members"], args.checkpoint, args.checkpoint_every)


if __name__ == "__main__":
    main()

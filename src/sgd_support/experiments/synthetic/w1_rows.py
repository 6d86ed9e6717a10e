"""Row by row: how the irrelevant part of each first-layer neuron's weights moved.

For ReLU networks the paper claims less than for linear ones (Sec. 6, App. I-J):
without weight decay *some* rows of ``W1[:, r:]`` shrink as in the linear case,
while a row whose neuron is active on inputs with unbalanced irrelevant components
may grow. So the ReLU claims count rows: for each run, the rows of W1 (one per
first-layer neuron) whose irrelevant norm ``||W1[i, ~support]||`` ended below half
its value at init (``rows_halved``) and those that ended above it (``rows_grown``).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from sgd_support.core.storage import read_metadata, read_weights
from sgd_support.reporting.run_paths import coordinates

# A row "shrinks as in the linear case" when its irrelevant norm ends below half its
# init value: on the linear network at the paper's 200k steps and lr 0.1 the whole
# irrelevant norm of every SGD batch size ends below 40% of init (SGD-512: 1.69 of
# 4.48), so a row that kept more than half has not done what linear rows do.
ROW_SHRUNK = 0.5


def row_counts(w1_init: np.ndarray, w1_end: np.ndarray, support: np.ndarray) -> dict[str, int]:
    """Rows of W1 (shape (width, d)) whose irrelevant part halved / grew from init to end.

    support: (d,) bool, True on the relevant inputs. Returns n_rows, rows_halved,
    rows_grown (rows with a zero irrelevant part at init count as neither).
    """
    irrelevant = ~np.asarray(support, dtype=bool)
    start = np.linalg.norm(np.asarray(w1_init, dtype=np.float64)[:, irrelevant], axis=1)
    end = np.linalg.norm(np.asarray(w1_end, dtype=np.float64)[:, irrelevant], axis=1)
    alive = start > 0
    return {
        "n_rows": int(len(start)),
        "rows_halved": int(np.sum(alive & (end < ROW_SHRUNK * start))),
        "rows_grown": int(np.sum(alive & (end > start))),
    }


def row_table(weight_paths: list[str | os.PathLike], supports: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per run: its coordinates, its model's hidden activation and its data
    set's target (from the file's metadata: which of the paper's claims apply) and
    :func:`row_counts` between the first and the last snapshot.

    supports: {data set name: (d,) bool support mask}.
    """
    rows = []
    for path in weight_paths:
        coords = coordinates(path)
        snaps = read_weights(path)
        steps = sorted(snaps)
        config = read_metadata(path).get("config", {})
        rows.append(
            {
                **coords,
                "activation": config.get("model", {}).get("activation", "identity"),
                "target": config.get("dataset", {}).get("target", ""),
                **row_counts(snaps[steps[0]][0], snaps[steps[-1]][0], supports[coords["dataset"]]),
            }
        )
    return pd.DataFrame(rows)

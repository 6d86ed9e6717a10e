"""Authors' code, re-run vs this run: the reference irrelevant-norm values (measured with
the authors' training loop, :mod:`~sgd_support.experiments.synthetic.paper_values`)
beside this run's quantiles.

For every (lr, run label) of one (data set, model, init seed) that a table of
:mod:`sgd_support.experiments.synthetic.paper_values` applies to, and each of its steps this run reached:
the reference value, this run's median [10%, 90%] across order seeds at that step (the
nearest recorded step, shown when it differs) and the difference median - paper.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sgd_support.experiments.synthetic.paper_values import reference

COLUMNS = [
    "lr",
    "label",
    "step",
    "recorded_step",
    "paper_low",
    "paper_high",
    "q10",
    "median",
    "q90",
    "difference",
]


def comparison(quantiles: pd.DataFrame, setup: dict) -> pd.DataFrame:
    """Rows of COLUMNS for ``quantiles`` (one data set, model and init seed; see
    :func:`sgd_support.reporting.aggregate.trajectory_quantiles`); setup: the config blocks
    :func:`sgd_support.experiments.synthetic.paper_values.reference` reads."""
    rows = []
    for (dataset, model, optimizer, lr, init, label), q in quantiles.groupby(
        ["dataset", "model", "optimizer", "lr", "init", "label"], sort=False
    ):
        steps = q["step"].to_numpy()
        for step, (low, high) in reference(setup, dataset, model, optimizer, label, lr, init).items():
            if step > steps.max() * 1.001:
                continue  # this run stopped before the paper's step
            at = q.iloc[int(np.argmin(np.abs(np.log(np.maximum(steps, 1) / step))))]
            rows.append(
                [
                    lr,
                    label,
                    step,
                    int(at["step"]),
                    low,
                    high,
                    at["irrelevant_norm_q10"],
                    at["irrelevant_norm_q50"],
                    at["irrelevant_norm_q90"],
                    at["irrelevant_norm_q50"] - (low + high) / 2,
                ]
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def comparison_rst(table: pd.DataFrame) -> str:
    """The table as a reStructuredText list-table (empty string when no row)."""
    if table.empty:
        return ""
    lines = [
        "**Authors' code, re-run vs this run** (irrelevant norm; the reference values of "
        "``paper_values``, measured with the authors' training loop; this run: median "
        "[10%, 90%] across order seeds):",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - lr",
        "     - run",
        "     - step",
        "     - authors' code, re-run",
        "     - this run",
        "     - difference",
    ]
    for r in table.itertuples():
        paper = (
            f"{r.paper_low:.4g}" if r.paper_low == r.paper_high else f"{r.paper_low:.4g}-{r.paper_high:.4g}"
        )
        at = "" if r.recorded_step == r.step else f" (step {r.recorded_step})"
        spread = "" if r.q10 == r.q90 else f" [{r.q10:.4g}, {r.q90:.4g}]"  # one run: no spread
        lines += [
            f"   * - {r.lr}",
            f"     - {r.label}",
            f"     - {r.step}",
            f"     - {paper}",
            f"     - {r.median:.4g}{spread}{at}",
            f"     - {r.difference:+.3g}",
        ]
    return "\n".join(lines) + "\n"

"""Across-seed statistics of the sweep's trajectories, and each run's final state.

Input is always an explicit list of trajectory files (the rule's declared inputs),
so provenance holds; the run's coordinates come from the Hive folder names and its
optimizer config, status and wall time from the file's metadata. Diverged runs are
kept in the per-run table (status "diverged") and left out of every statistic.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd

from sgd_support.core.storage import PARTITIONS, read_metadata, read_trajectory
from sgd_support.reporting.catalog import OTHER, experiment_id, label_order, optimizer_kind, run_label
from sgd_support.reporting.run_paths import coordinates
from sgd_support.reporting.tables import write_parquet

# A series: a run without its order seed, the runs whose trajectories the quantiles
# summarise ("group" means only training groups, sweep.runs.train_groups)
SERIES = ["dataset", "model", "optimizer", "lr", "batch", "init"]
QUANTILES = (0.1, 0.5, 0.9)
# Metrics summarised when present (image runs also record test loss and accuracies).
METRICS = (
    "irrelevant_norm",
    "relevant_norm",
    "full_loss",
    "total_norm",
    "test_loss",
    "train_accuracy",
    "test_accuracy",
)

log = logging.getLogger(__name__)


def aggregate_runs(
    trajectories: list[str | os.PathLike], quantiles_path: str | os.PathLike, final_path: str | os.PathLike
) -> None:
    """Write the across-order-seed quantiles (:func:`trajectory_quantiles`) and the per-run
    final states (:func:`final_states`) of the runs of ``trajectories`` as Parquet."""
    rows, runs = read_runs(trajectories)
    quantiles, final = trajectory_quantiles(rows, runs), final_states(rows, runs)
    write_parquet(quantiles, quantiles_path)
    write_parquet(final, final_path)
    log.info(
        "%d runs (%d diverged) -> %d quantile rows",
        len(runs),
        (runs["status"] != "completed").sum(),
        len(quantiles),
    )


def read_runs(paths: list[str | os.PathLike]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read trajectories; return (rows: one per run and recorded step, runs: one per run).

    ``runs`` has the coordinates, ``kind`` (gd, gd_wd, sgd, sgd_wd), ``label``
    (GD, SGD-32, ...), ``experiment`` (E1...), ``status``, ``diverged_step``,
    ``planned_steps`` and ``wall_time_s``; ``rows`` has the coordinates, ``label``
    and the trajectory columns.
    """
    frames, runs, configs = [], [], {}
    for path in paths:
        meta = read_metadata(path)
        coords = coordinates(path)
        config = meta.get("config", {})
        configs[coords["dataset"], coords["model"]] = (config.get("dataset", {}), config.get("model", {}))
        kind = optimizer_kind(config.get("optimizer", {"batch": coords["batch"]}))
        info = {**coords, "kind": kind, "label": run_label(kind, coords["batch"])}
        runs.append(
            {
                **info,
                "status": meta.get("status", "completed"),
                "diverged_step": meta.get("diverged_step"),
                "planned_steps": meta.get("spec", {}).get("steps"),
                "wall_time_s": meta.get("wall_time_s"),
            }
        )
        frames.append(read_trajectory(path).assign(**coords))
    runs = _disambiguate(pd.DataFrame(runs))
    first_init = runs.groupby(["dataset", "model"])["init"].transform(lambda s: min(s, key=int))
    runs["experiment"] = [
        experiment_id(*configs[d, m], i, f)
        for d, m, i, f in zip(runs["dataset"], runs["model"], runs["init"], first_init)
    ]
    rows = pd.concat(frames, ignore_index=True)
    rows = rows.merge(runs[[*PARTITIONS, "label"]], on=list(PARTITIONS))
    return rows, runs


def _disambiguate(runs: pd.DataFrame) -> pd.DataFrame:
    """Two optimizers of the same kind (say gd and a longer gd) get their names added."""
    names = runs.groupby(["label"])["optimizer"].nunique()
    clash = runs["label"].isin(names[names > 1].index)
    runs.loc[clash, "label"] = runs.loc[clash, "label"] + " (" + runs.loc[clash, "optimizer"] + ")"
    runs["order_key"] = [label_order(k, b) for k, b in zip(runs["kind"], runs["batch"])]
    return runs


def trajectory_quantiles(rows: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Per series (a run without its order seed) and step: the 10/50/90% quantiles of
    each metric across the series' completed runs, on the steps all of them
    recorded. Columns: SERIES, label, step, n_runs, n_diverged, ``{metric}_q10/q50/q90``.
    """
    done = runs[runs["status"] == "completed"]
    diverged = runs[runs["status"] != "completed"].groupby(SERIES).size()
    metrics = [m for m in METRICS if m in rows.columns]
    out = []
    for key, series in rows.merge(done[list(PARTITIONS)], on=list(PARTITIONS)).groupby(SERIES, sort=False):
        wide = series.pivot_table(index="step", columns="order", values=metrics, aggfunc="first")
        wide = wide.dropna(how="any", subset=[(metrics[0], o) for o in series["order"].unique()])
        stats = {"step": wide.index.to_numpy()}
        for m in metrics:
            values = wide[m].to_numpy(dtype=float)
            for q, col in zip(QUANTILES, np.nanquantile(values, QUANTILES, axis=1)):
                stats[f"{m}_q{round(q * 100):02d}"] = col
        frame = pd.DataFrame(stats).assign(
            **dict(zip(SERIES, key)),
            label=series["label"].iloc[0],
            n_runs=series["order"].nunique(),
            n_diverged=int(diverged.get(key, 0)),
        )
        out.append(frame)
    columns = [*SERIES, "label", "step", "n_runs", "n_diverged"]
    if not out:
        return pd.DataFrame(columns=columns)
    table = pd.concat(out, ignore_index=True)
    return table[columns + [c for c in table.columns if c not in columns]]


def final_states(rows: pd.DataFrame, runs: pd.DataFrame, late_fraction: float = 0.1) -> pd.DataFrame:
    """One row per run: its status and its final state.

    ``final_*``: the metrics at the last recorded step (for a diverged run, the step
    it stopped at); ``init_irrelevant_norm`` at step 0; ``half_irrelevant_norm`` at
    half the last step (interpolated on the record grid: for the plateau test);
    ``late_loss_q10/q50/q90``: quantiles of the full-data loss over the recorded
    steps in [late_fraction * T, T] (robust to the loss spikes of noisy SGD).
    """
    out = []
    trajectories = dict(iter(rows.groupby(list(PARTITIONS), sort=False)))
    for _, run in runs.iterrows():
        traj = trajectories[tuple(run[list(PARTITIONS)])].sort_values("step")
        last = traj.iloc[-1]
        steps = traj["step"].to_numpy(dtype=float)
        late = traj.loc[traj["step"] >= late_fraction * last["step"], "full_loss"]
        row = {
            **run.drop("order_key").to_dict(),
            "steps": int(last["step"]),
            "init_irrelevant_norm": float(traj["irrelevant_norm"].iloc[0]),
            "half_irrelevant_norm": float(np.interp(last["step"] / 2, steps, traj["irrelevant_norm"])),
            "late_loss_q10": late.quantile(0.1),
            "late_loss_q50": late.quantile(0.5),
            "late_loss_q90": late.quantile(0.9),
        }
        row.update({f"final_{m}": float(last[m]) for m in METRICS if m in traj.columns})
        out.append(row)
    return pd.DataFrame(out).sort_values([*SERIES, "order"], key=_natural).reset_index(drop=True)


def read_final_states(paths: list[str | os.PathLike]) -> pd.DataFrame:
    """The per-run final states of several :func:`aggregate_runs` outputs, as one table."""
    return pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)


def paper_final_states(final: pd.DataFrame) -> pd.DataFrame:
    """The runs of the paper's GD and SGD among per-run final states: what E1-E5's claims
    and figures read (E13's other updates have their own rows and figures)."""
    return final[final["kind"] != OTHER]


def final_summary(final: pd.DataFrame) -> pd.DataFrame:
    """Per series: number of runs, of diverged runs, and median / 10% / 90% across
    the completed runs' order seeds of the final loss and norms, steps, wall time."""
    rows = []
    keys = [*SERIES, "experiment", "kind", "label"]
    for key, series in final.groupby(keys, sort=False):
        done = series[series["status"] == "completed"]
        row = dict(
            zip(keys, key),
            n_runs=len(series),
            n_diverged=len(series) - len(done),
            steps=int(series["steps"].max()),
            wall_time_s=done["wall_time_s"].median(),
        )
        for m in ("final_full_loss", "final_irrelevant_norm", "final_relevant_norm", "final_test_accuracy"):
            if m in done.columns:
                for q in QUANTILES:
                    row[f"{m}_q{round(q * 100):02d}"] = done[m].quantile(q) if len(done) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def median_spread(low: float, median: float, high: float, n: int, digits: int) -> str:
    """'median [low, high]' of ``n`` runs, with ``digits`` decimals; just the median when
    there is one run (its 10% and 90% are itself)."""
    return f"{median:.{digits}f}" + ("" if n < 2 else f" [{low:.{digits}f}, {high:.{digits}f}]")


def sort_runs(table: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered as the paper's figures: by data set, model, lr, init, then GD, SGD
    from the largest batch down, GD+wd."""
    keys = [label_order(k, str(b)) for k, b in zip(table["kind"], table["batch"])]
    table = table.assign(_k=keys).sort_values(["dataset", "model", "lr", "init", "_k"], key=_natural)
    return table.drop(columns="_k").reset_index(drop=True)


def _natural(column: pd.Series) -> pd.Series:
    """Sort numbers stored as strings by value (batch 32 before 128, 'full' last)."""
    numbers = pd.to_numeric(column, errors="coerce")
    return numbers.fillna(np.inf) if numbers.notna().any() else column

"""E11 (section 5.1): how much the trained first layer depends on its init, by batch size.

For each setting (dataset, model, optimizer, lr, batch: a run but its seeds), across init seeds:

- ``cos_init``: cosine similarity of W1 at the end with W1 at init (Frobenius inner
  product of the flattened matrices); 1 = the layer still points where it started.
- ``rel_dist``: ``||W1_end - W1_init||_F / ||W1_init||_F``.
- ``gram_agreement``: mean pairwise cosine similarity of ``|Gram(W1_end)| = |W1^T W1|``
  (d x d) between runs of *different* init seeds: do different inits reach the same
  first layer (up to the rotations/sign flips that Gram removes)? Its value between
  the inits themselves (``gram_agreement_init``) is the baseline: |Gram| entries are
  non-negative, so even unrelated layers have a cosine well above 0.
- ``block_share``: share of the total mass of ``|Gram(W1_end)|`` inside the relevant
  r x r block (rows and columns of the support); ``block_share_init`` at init.

Means and standard deviations are over the setting's completed runs (all init and
order seeds); diverged runs are skipped and counted. The paper predicts that the
dependence on the init falls and the agreement rises as b shrinks, and that GD
keeps most of its init.
"""

from __future__ import annotations

import itertools
import os

import numpy as np
import pandas as pd

from sgd_support.experiments.analyses.runs import SETTING, batch_size, relu_rows
from sgd_support.reporting.claims import Claim
from sgd_support.reporting.run_paths import coordinates

# A batch-size trend counts as "falls/rises with b" when Spearman's rho between b
# and the statistic is at least this in the predicted direction: with 4 batch
# sizes, 0.8 allows one swap of neighbours and nothing more.
TREND_RHO = 0.8
# Spearman's rho of one swap among 4 is 0.8 only up to rounding (scipy gives
# 0.7999999999999999): compare with this slack, or one swap would fail.
RHO_SLACK = 1e-9
# "GD keeps most of its init": its W1 still has cosine > 0.5 with the init (more
# than half of the direction kept) and at least as much as every SGD batch size.
GD_KEEPS_COS = 0.5


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two arrays of the same shape, flattened (float64)."""
    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def abs_gram(w1: np.ndarray) -> np.ndarray:
    """``|W1^T W1|`` (d x d) of a first layer W1 of shape (width, d)."""
    w1 = np.asarray(w1, dtype=np.float64)
    return np.abs(w1.T @ w1)


def block_share(w1: np.ndarray, support: np.ndarray) -> float:
    """Share of ``|Gram(W1)|``'s total mass in the support x support block."""
    g = abs_gram(w1)
    support = np.asarray(support, dtype=bool)
    return float(g[np.ix_(support, support)].sum() / g.sum())


def pair_similarities(layers: list[tuple[str, np.ndarray]]) -> list[float]:
    """Cosine similarities of ``|Gram(W1)|`` over pairs of layers with different init
    seeds; ``layers`` holds (init seed, W1)."""
    grams = [(seed, abs_gram(w)) for seed, w in layers]
    return [cosine(ga, gb) for (sa, ga), (sb, gb) in itertools.combinations(grams, 2) if sa != sb]


def gram_agreement(layers: list[tuple[str, np.ndarray]]) -> float:
    """Mean of :func:`pair_similarities`; NaN when no pair of different inits exists."""
    sims = pair_similarities(layers)
    return float(np.mean(sims)) if sims else float("nan")


def load_records(weight_paths: list[str | os.PathLike]) -> list[dict]:
    """One record per run: its coordinates, W1 at init and at the end, whether it
    diverged, its weight decay and its model's hidden activation (from the file's
    metadata: the paper makes the E11 claims for linear networks)."""
    from sgd_support.core.storage import read_metadata, read_weights

    records = []
    for path in weight_paths:
        meta = read_metadata(path)
        snaps = read_weights(path)
        steps = sorted(snaps)
        records.append(
            {
                **coordinates(path),
                "w1_init": snaps[steps[0]][0],
                "w1_end": snaps[steps[-1]][0],
                "diverged": meta.get("diverged_step") is not None,
                "weight_decay": float(meta.get("config", {}).get("optimizer", {}).get("weight_decay", 0.0)),
                "activation": meta.get("config", {}).get("model", {}).get("activation", "identity"),
            }
        )
    return records


def init_dependence_table(records: list[dict], supports: dict[str, np.ndarray]) -> pd.DataFrame:
    """The statistics per setting (one row per dataset, model, optimizer, lr, batch).

    records: as from :func:`load_records` (coordinates as strings, ``w1_init``,
    ``w1_end`` of shape (width, d), ``diverged``, ``weight_decay``); supports:
    {data set name: (d,) bool support mask}.
    """
    frame = pd.DataFrame(records)
    rows = []
    for key, setting in frame.groupby(list(SETTING), sort=False):
        done = setting[~setting["diverged"]]
        support = supports[key[0]]
        per_run = pd.DataFrame(
            [
                {
                    "cos_init": cosine(r.w1_end, r.w1_init),
                    "rel_dist": float(np.linalg.norm(r.w1_end - r.w1_init) / np.linalg.norm(r.w1_init)),
                    "block_share": block_share(r.w1_end, support),
                    "block_share_init": block_share(r.w1_init, support),
                }
                for r in done.itertuples()
            ],
            columns=["cos_init", "rel_dist", "block_share", "block_share_init"],
        )
        inits = done.drop_duplicates("init")
        row = dict(zip(SETTING, key))
        row.update(
            activation=setting["activation"].iloc[0] if "activation" in setting else "identity",
            batch_size=batch_size(row["batch"]),
            weight_decay=float(setting["weight_decay"].iloc[0]),
            n_inits=int(done["init"].nunique()),
            n_runs=len(done),
            n_diverged=int(setting["diverged"].sum()),
            gram_agreement=gram_agreement(list(zip(done["init"], done["w1_end"]))),
            gram_agreement_std=_std(pair_similarities(list(zip(done["init"], done["w1_end"])))),
            gram_agreement_init=gram_agreement(list(zip(inits["init"], inits["w1_init"]))),
        )
        for column in per_run:
            row[column] = float(per_run[column].mean()) if len(per_run) else float("nan")
            if column != "block_share_init":
                row[column + "_std"] = (
                    float(per_run[column].std(ddof=1)) if len(per_run) > 1 else float("nan")
                )
        rows.append(row)
    table = pd.DataFrame(rows)
    if len(table):
        table = table.sort_values(["dataset", "model", "optimizer", "lr", "batch_size"], ignore_index=True)
    return table


def _std(values: list[float]) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")


def _spearman(x, y) -> float:
    from scipy.stats import spearmanr

    if len(x) < 2:
        return float("nan")
    return float(spearmanr(x, y).statistic)


def _series(table: pd.DataFrame, min_inits: int):
    """(dataset, model, optimizer, lr) series of plain mini-batch SGD settings with at
    least ``min_inits`` init seeds, each sorted by batch size."""
    sgd = table[(table["batch"] != "full") & (table["weight_decay"] == 0) & (table["n_inits"] >= min_inits)]
    for key, series in sgd.groupby(["dataset", "model", "optimizer", "lr"], sort=False):
        if len(series) >= 2:
            yield key, series.sort_values("batch_size")


def _trend_claim(table, column, sign, claim, what, min_inits) -> Claim:
    """A claim that ``column`` moves with b in direction ``sign`` (+1: grows with b)."""
    criterion = (
        f"per (dataset, model, optimizer, lr) with >= {min_inits} init seeds and >= 2 batch sizes: "
        f"Spearman rho(b, {what}) {'>=' if sign > 0 else '<='} {sign * TREND_RHO:+.1f} "
        f"(with 4 sizes: at most one swap of neighbours); passed if every series does"
    )
    parts, verdicts, causes = [], [], []
    for key, series in _series(table, min_inits):
        rho = _spearman(series["batch_size"], series[column])
        verdicts.append(bool(np.isfinite(rho) and sign * rho >= TREND_RHO - RHO_SLACK))
        values = ", ".join(f"b{b}: {v:.3f}" for b, v in zip(series["batch"], series[column]))
        parts.append(f"{'/'.join(map(str, key))}: {values} (rho {rho:+.2f})")
        if not verdicts[-1]:
            causes.append(f"{'/'.join(map(str, key))}: " + _trend_gap(series, column, sign))
    if not verdicts:
        return Claim(
            "E11", claim, criterion, _missing(table, min_inits), None, why=_missing(table, min_inits)
        )
    why = "; ".join(causes) + " (E11 figure)" if causes else ""
    return Claim("E11", claim, criterion, "; ".join(parts), all(verdicts), why=why)


def _trend_gap(series: pd.DataFrame, column: str, sign: int) -> str:
    """Why a series misses its trend: the batch-size steps that go against it, and
    whether the whole change across batch sizes exceeds the statistic's spread across
    the settings' runs (init pairs for the agreement)."""
    values, batches = series[column].to_numpy(), series["batch"].tolist()
    against = [
        f"b{b0} -> b{b1}: {v0:.3f} -> {v1:.3f}"
        for b0, b1, v0, v1 in zip(batches, batches[1:], values, values[1:])
        if sign * (v1 - v0) <= 0
    ]
    spread = series.get(f"{column}_std", pd.Series(dtype=float)).median()
    span = float(np.ptp(values))
    text = f"against the trend at {'; '.join(against)}" if against else "no step against the trend"
    if np.isfinite(spread):
        text += (
            f"; change across batch sizes {span:.3f} "
            + ("within" if span <= spread else "beyond")
            + f" the spread across runs (median std {spread:.3f})"
        )
    return text


def _missing(table: pd.DataFrame, min_inits: int) -> str:
    most = int(table["n_inits"].max()) if len(table) else 0
    return (
        f"not decidable: needs >= {min_inits} completed init seeds for >= 2 SGD batch sizes of one "
        f"(dataset, model, optimizer, lr); this run has at most {most} init seed(s) per setting"
    )


def _gd_claim(table: pd.DataFrame, min_inits: int) -> Claim:
    claim = "GD keeps most of its init (its trained W1 stays close to W1 at init)"
    criterion = (
        f"per (dataset, model, lr): full-batch GD without weight decay (>= {min_inits} init seeds) has "
        f"cos(W1_end, W1_init) > {GD_KEEPS_COS} and >= that of every SGD batch size at the same lr"
    )
    enough = table[table["n_inits"] >= min_inits]
    gd = enough[(enough["batch"] == "full") & (enough["weight_decay"] == 0)]
    sgd = enough[(enough["batch"] != "full") & (enough["weight_decay"] == 0)]
    parts, verdicts, low = [], [], []
    for row in gd.itertuples():
        peers = sgd[(sgd["dataset"] == row.dataset) & (sgd["model"] == row.model) & (sgd["lr"] == row.lr)]
        best = float(peers["cos_init"].max()) if len(peers) else float("nan")
        kept, highest = row.cos_init > GD_KEEPS_COS, not len(peers) or row.cos_init >= best
        verdicts.append(bool(kept and highest))
        parts.append(f"{row.dataset}/{row.model}/lr {row.lr}: GD {row.cos_init:.3f}, highest SGD {best:.3f}")
        misses = ([] if kept else [f"GD's cosine {row.cos_init:.3f} is not above {GD_KEEPS_COS}"]) + (
            [] if highest else [f"below the highest SGD's {best:.3f}"]
        )
        if misses:
            low.append(f"{row.dataset}/{row.model}/lr {row.lr}: " + ", ".join(misses))
    if not verdicts:
        most = int(table["n_inits"].max()) if len(table) else 0
        why = (
            f"not decidable: no full-batch GD setting without weight decay with >= {min_inits} completed "
            f"init seeds (this run has at most {most} init seed(s) per setting)"
        )
        return Claim("E11", claim, criterion, why, None, why=why)
    why = "; ".join(low)
    return Claim("E11", claim, criterion, "; ".join(parts), all(verdicts), why=why)


LOCATION = "Sec. 5.1 (from Theorem 2, Propositions 1, 3); App. C, Fig. 15"


def init_dependence_claims(table: pd.DataFrame, min_inits: int = 2) -> list[Claim]:
    """The checklist rows of E11, decided on ``table`` (settings with fewer than
    ``min_inits`` completed init seeds are ignored; none left: ``passed=None``).

    Four rows for the linear networks' settings (the paper's scope) and, when the sweep
    has ReLU settings that decide any of them, four more for those, scoped "not claimed
    by the paper"."""
    kinds = table["activation"] if "activation" in table else pd.Series("identity", index=table.index)
    claims = _claims(table[kinds != "relu"], min_inits)
    for claim in claims:
        claim.location, claim.scope = LOCATION, "linear networks"
    relu = relu_rows(_claims(table[kinds == "relu"], min_inits) if (kinds == "relu").any() else [])
    for claim in relu:
        claim.location = LOCATION
    return claims + relu


def _claims(table: pd.DataFrame, min_inits: int) -> list[Claim]:
    return [
        _trend_claim(
            table,
            "cos_init",
            +1,
            "Dependence on the init falls as the batch size shrinks",
            "cos(W1_end, W1_init)",
            min_inits,
        ),
        _trend_claim(
            table,
            "gram_agreement",
            -1,
            "First layers trained from different inits agree more as the batch size shrinks",
            "mean pairwise cosine of |Gram(W1_end)| across inits",
            min_inits,
        ),
        _trend_claim(
            table,
            "block_share",
            -1,
            "Smaller batches concentrate |Gram(W1)| on the relevant r x r block",
            "share of |Gram(W1_end)| mass in the support block",
            min_inits,
        ),
        _gd_claim(table, min_inits),
    ]

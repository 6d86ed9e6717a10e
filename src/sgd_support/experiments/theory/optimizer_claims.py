"""E13's claim rows: Props. 7, 9 and 10, label noise and sampling (the paper's), then
momentum and Adam (beyond the paper), each decided on the runs of
:mod:`sgd_support.experiments.theory.optimizers`, with a long table of the numbers it
rests on (row, dataset, model, lr, setting, statistic, value).

Every row function returns (Claim, table rows); a row whose runs the config lacks is
passed=None and says which runs. The rows beyond the paper (momentum, Adam) are in
:mod:`sgd_support.experiments.theory.optimizer_beyond`; both sets are written by
:mod:`sgd_support.experiments.theory.optimizer_report`."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from sgd_support.experiments.theory.optimizers import (
    ROUNDING_MARGIN,
    UNIT_ROUNDOFF,
    OptRun,
    batch_noise,
    cross_covariance,
    decay_fit,
    final_common,
    gd_partner,
    increases,
    log_ratio_interval,
    mean_log_decrease,
    partner,
)
from sgd_support.reporting.catalog import is_paper_update
from sgd_support.reporting.claims import Claim

EXPERIMENT = "E13"
PROP7 = "Prop. 7 (App. G.1; proof App. K.3)"
R2_MIN = 0.95  # Props. 9, 10: the exponential must explain 95% of the tail's variance of ln norm
PLATEAU = 0.9  # a plateau: the norm falls by less than 10% over the run's second half
NOISE_FACTOR = 2.0  # label noise: its final norm at most half of plain GD's


def g3(value: float) -> str:
    return f"{value:.3g}"


def lacks(claim: str, location: str, scope: str, criterion: str, runs: str) -> Claim:
    why = f"the config lacks the runs: {runs}"
    return Claim(EXPERIMENT, claim, criterion, why, None, location, scope, why)


def table_row(row: str, run: OptRun, setting: str, statistic: str, value: float) -> dict:
    dataset, model = run.pair
    return {
        "row": row,
        "dataset": dataset,
        "model": model,
        "lr": run.lr,
        "setting": setting,
        "statistic": statistic,
        "value": float(value),
    }


def networks(runs: list[OptRun]) -> str:
    return "linear networks" if all(r.activation == "identity" for r in runs) else "ReLU networks"


def plain_runs(runs: list[OptRun], activation: str = "identity") -> list[OptRun]:
    """Completed plain GD/SGD runs without weight decay of ``activation`` networks."""
    return [
        r
        for r in runs
        if r.status == "completed"
        and r.activation == activation
        and is_paper_update(r.axis)
        and r.axis["weight_decay"] == 0
    ]


def group_by(runs, key) -> dict:
    groups = defaultdict(list)
    for run in runs:
        groups[key(run)].append(run)
    return dict(groups)


# --- Prop. 7 ---------------------------------------------------------------------------------


def monotone_claim(runs: list[OptRun], data: dict) -> tuple[Claim, list[dict]]:
    """Prop. 7, first part: ||W1[:, r:]|| never increases under SGD or GD (linear networks).
    ``data``: {dataset: (x, y, support)} for the labels' batch term in the reason."""
    claim = "SGD and GD never increase the irrelevant weights' norm ||W1[:, r:]|| of a linear network"
    criterion = (
        f"on every step of the dense record, ||W1[:, r:]|| grows by no more than {ROUNDING_MARGIN:g} x "
        "2^-24 of itself, for every batch size and GD (float32 storage moves the norm by at most "
        "2^-24 of itself; GD where exact arithmetic never grows it grew it by <= 0.33 x 2^-24 in "
        "float32, measured: the bar is 30x rounding's reach)"
    )
    chosen = plain_runs(runs)
    if not chosen:
        return lacks(claim, PROP7, "linear networks", criterion, "plain GD or SGD of a linear network"), []
    table, parts, failing = [], [], []
    for (pair, lr, label), group in group_by(chosen, lambda r: (r.pair, r.lr, r.label)).items():
        counts = [increases(r) for r in group]
        total = sum(c["steps"] for c in counts)
        up = sum(c["increasing"] for c in counts)
        largest = max(c["largest"] for c in counts)
        run = group[0]
        noise = batch_noise(*data[pair[0]], run.batch) if pair[0] in data else math.nan
        table += [
            table_row("Prop. 7 monotone", run, label, "steps compared", total),
            table_row("Prop. 7 monotone", run, label, "increasing steps", up),
            table_row("Prop. 7 monotone", run, label, "share increasing", up / total if total else math.nan),
            table_row("Prop. 7 monotone", run, label, "largest growth / norm", largest),
            table_row("Prop. 7 monotone", run, label, "RMS ||E_B[y z]||", noise),
        ]
        parts.append(f"{pair[0]} lr {lr:g} {label}: {up}/{total} steps grow")
        if up:
            failing.append((pair, label, up, total, largest, noise, run.batch))
    measured = "; ".join(parts)
    why = ""
    if failing:
        worst = "; ".join(
            f"{label} on {pair[0]} grows on {up}/{total} steps (largest +{largest:.1e} of the norm, "
            f"{largest / (ROUNDING_MARGIN * UNIT_ROUNDOFF):.0f}x the rounding bound)"
            for pair, label, up, total, largest, _, _ in failing
        )
        why = (
            f"{worst}. A step's gradient on W1[:, r:] has terms that do not scale with W1[:, r:] "
            "(App. K.3, Eq. 28: the labels' E_B[y z] and the relevant inputs' E_B[x z]); App. E's setting "
            "makes them 0 over the data, but a batch, or a finite data set, has them nonzero, and Prop. "
            "7's step (Eq. 26) keeps only the term in W1[:, r:]"
        )
        noise = []
        for name in sorted({pair[0] for pair, *_ in failing} & set(data)):
            sizes = ", ".join(f"b={b} {g3(n)}" for pair, _, _, _, _, n, b in failing if pair[0] == name and b)
            whole = batch_noise(*data[name], None)
            noise.append(f"{name}: {sizes + '; ' if sizes else ''}the whole data set {g3(whole)}")
        if noise:
            why += f". RMS of ||E_B[y z]|| over batches: {'; '.join(noise)}"
    return Claim(EXPERIMENT, claim, criterion, measured, not failing, PROP7, "linear networks", why), table


def faster_claim(runs: list[OptRun]) -> tuple[Claim, list[dict]]:
    """Prop. 7, second part: on average SGD shrinks ||W1[:, r:]|| faster than GD."""
    claim = (
        "On average SGD shrinks the irrelevant weights of a linear network faster than GD ('always faster')"
    )
    criterion = (
        "mean per-step log-decrease (ln n(0) - ln n(T)) / T of ||W1[:, r:]||, averaged over seeds, "
        "larger for SGD than for GD from the same init, at both T = the dense record's end and "
        "T = the runs' common end ('always')"
    )
    chosen = plain_runs(runs)
    pairs = [(r, g) for r in chosen if r.batch is not None and (g := gd_partner(r, chosen)) is not None]
    if not pairs:
        return lacks(
            claim, PROP7, "linear networks", criterion, "plain SGD and GD of a linear network from one init"
        ), []
    table, parts, slower = [], [], []
    for (pair, lr, _), group in group_by(pairs, lambda p: (p[0].pair, p[0].lr, p[0].batch)).items():
        rates = defaultdict(list)
        for sgd, gd in group:
            end = final_common(sgd, gd)[0]
            horizons = {"early": min(sgd.dense_until(), gd.dense_until(), end), "end": end}
            for name, step in horizons.items():
                if name == "end" or step < end:  # a run recorded densely to its end has one horizon
                    rates[name].append((step, mean_log_decrease(sgd, step), mean_log_decrease(gd, step)))
        run = group[0][0]
        text = []
        for values in rates.values():
            step = min(v[0] for v in values)
            sgd_rate, gd_rate = np.mean([v[1] for v in values]), np.mean([v[2] for v in values])
            table += [
                table_row("Prop. 7 faster", run, run.label, f"mean log-decrease to step {step}", sgd_rate),
                table_row("Prop. 7 faster", run, "GD", f"mean log-decrease to step {step}", gd_rate),
            ]
            text.append(f"to step {step} {sgd_rate:.3g} vs GD {gd_rate:.3g}")
            if sgd_rate <= gd_rate:
                slower.append(
                    f"{run.label} on {pair[0]} (lr {lr:g}) to step {step}: "
                    f"{sgd_rate:.3g} vs GD's {gd_rate:.3g}"
                )
        parts.append(f"{pair[0]} {run.label}: " + ", ".join(text))
    why = ""
    if slower:
        why = (
            "SGD is not faster than GD at every horizon: "
            + "; ".join(slower)
            + ". The batch terms that do not scale with W1[:, r:] (row 'never increase') add to "
            "E||W1[:, r:]||^2 at second order in lr, against Prop. 7's second-order gain"
        )
    return Claim(
        EXPERIMENT, claim, criterion, "; ".join(parts), not slower, PROP7, "linear networks", why
    ), table


# --- Props. 9, 10 ----------------------------------------------------------------------------


def weight_decay_claim(runs: list[OptRun], data: dict, relu: bool) -> tuple[Claim, list[dict]]:
    """Prop. 9 (linear networks, GD or SGD with weight decay) or Prop. 10 (ReLU networks,
    SGD with batch size 1 and weight decay): ||W1[:, r:]|| decays exponentially.
    ``data``: {dataset: (x, y, support)} for the cross-covariance in the reason."""
    if relu:
        claim = (
            "SGD with batch size 1 and weight decay sends W1[:, r:] of a ReLU network to zero exponentially"
        )
        location, scope, name = "Prop. 10 (App. H; proof App. K.5)", "ReLU networks", "Prop. 10"
        chosen = [r for r in runs if r.activation == "relu" and r.batch == 1]
        lacking = "SGD with batch size 1 and weight decay of a ReLU network"
    else:
        claim = "GD or SGD with weight decay sends W1[:, r:] of a linear network to zero exponentially"
        location, scope, name = "Prop. 9 (App. H; proof App. K.5)", "linear networks", "Prop. 9"
        chosen = [r for r in runs if r.activation == "identity"]
        lacking = "GD or SGD with weight decay of a linear network"
    chosen = [
        r
        for r in chosen
        if r.status == "completed" and is_paper_update(r.axis) and r.axis["weight_decay"] > 0
    ]
    criterion = (
        f"on the tail (the last half of the steps): ln ||W1[:, r:]|| against the step (exponential) has "
        f"R^2 >= {R2_MIN} and above that of ln norm against ln step (power law), and the fitted rate "
        "per step is >= -ln(1 - lr * weight_decay) (App. K.5: each step shrinks by at least 1 - eta lambda)"
    )
    if not chosen:
        return lacks(claim, location, scope, criterion, lacking), []
    table, parts, misses, slow = [], [], [], set()
    for run in chosen:
        fit = decay_fit(run)
        for statistic in ("rate", "bound", "r2_exp", "r2_pow", "tail_start", "tail_fall", "head_rate"):
            table.append(table_row(name, run, run.label, statistic, fit[statistic]))
        relevant = run.final("relevant_norm")
        table.append(table_row(name, run, run.label, "final relevant norm", relevant))
        parts.append(
            f"{run.pair[0]} {run.label} lr {run.lr:g} seeds {'/'.join(run.seeds)}: rate {fit['rate']:.3g} "
            f"vs bound {fit['bound']:.3g}, R^2 exp {fit['r2_exp']:.3f} vs power {fit['r2_pow']:.3f}; "
            f"final norms irrelevant {run.final():.2g}, relevant {relevant:.2g}"
        )
        wrong = []
        if not fit["r2_exp"] >= R2_MIN:
            wrong.append(f"the exponential's R^2 {fit['r2_exp']:.3f} < {R2_MIN}")
        if not fit["r2_exp"] > fit["r2_pow"]:
            wrong.append(f"the power law fits as well or better (R^2 {fit['r2_pow']:.3f})")
        if not fit["rate"] >= fit["bound"]:
            slow.add((run.pair[0], run.batch))
            alone = fit["bound"] * (run.steps - fit["tail_start"])
            wrong.append(
                f"the tail's rate {fit['rate']:.3g} per step is below {fit['bound']:.3g}: the norm falls "
                f"only {fit['tail_fall']:.3g}x over steps {fit['tail_start']}-{run.steps} (to "
                f"{run.final():.2g}), where weight decay alone would shrink it by a factor e^{alone:.0f}; "
                f"before step {fit['tail_start']} it fell at {fit['head_rate']:.3g} per step; the full "
                "loss on the tail ranges "
                f"{fit['loss_low']:.2g}-{fit['loss_high']:.2g}"
            )
        if wrong:
            misses.append(
                f"{run.pair[0]} {run.label} (lr {run.lr:g}, seeds {'/'.join(run.seeds)}): " + "; ".join(wrong)
            )
    why = ""
    if misses:
        why = "; ".join(misses[:3]) + (f" (and {len(misses) - 3} more runs)" if len(misses) > 3 else "")
        if slow:
            why += ". Something other than weight decay holds W1[:, r:] up on the tail"
            names = sorted({name for name, _ in slow} & set(data))
            cross = [f"{name} {cross_covariance(data[name][0], data[name][2]):.2g}" for name in names]
            if cross:
                why += (
                    ": App. E's setting takes the basis where the data's relevant-irrelevant second moment "
                    f"E_D[x_rel z^T] is 0; on these finite samples its norm is {', '.join(cross)}, so the "
                    "gradient of the loss on W1[:, r:] need not vanish where weight decay would stop"
                )
            kicks = [
                f"{name} b={b} {g3(batch_noise(*data[name], b))}"
                for name, b in sorted(slow, key=str)
                if b is not None and name in data
            ]
            if kicks:
                why += (
                    "; and each SGD step adds the batch's labels' term E_B[y z], which does not scale with "
                    f"W1[:, r:] (RMS {', '.join(kicks)}): shrinking by 1 - eta lambda against a kick of "
                    "fixed size leaves a floor, not zero"
                )
    return Claim(EXPERIMENT, claim, criterion, "; ".join(parts), not misses, location, scope, why), table


# --- label noise and sampling (Sec. 3, App. E) -------------------------------------------------


def _half_fall(run: OptRun, end: int) -> float:
    """||W1[:, r:]||(end) / ||W1[:, r:]|| at the last recorded step <= end / 2."""
    steps = run.traj["step"].to_numpy()
    half = int(steps[steps <= end / 2][-1])
    return run.at(end) / run.at(half)


def label_noise_claim(runs: list[OptRun]) -> tuple[Claim, list[dict]]:
    """GD with fresh label noise learns the support where plain GD plateaus."""
    claim = "GD with fresh label noise keeps shrinking the irrelevant weights where plain GD plateaus"
    location = "Sec. 3, 'Oscillating on the outputs'; App. E"
    criterion = (
        f"for every init seed, from the same init and lr: plain GD plateaus (its norm falls by less "
        f"than {1 - PLATEAU:.0%} over the second half of the run: n(T) / n(T/2) >= {PLATEAU}), GD with "
        f"label noise does not (n(T) / n(T/2) < {PLATEAU}), and ends at most 1/{NOISE_FACTOR:g} of "
        "plain GD's norm"
    )
    noisy = [r for r in runs if r.status == "completed" and r.batch is None and r.axis["label_noise"] > 0]
    pairs = [(r, g) for r in noisy if (g := gd_partner(r, runs)) is not None]
    if not pairs:
        return lacks(
            claim,
            location,
            "linear networks",
            criterion,
            "GD with label_noise > 0 beside plain GD from the same init",
        ), []
    table, parts, misses = [], [], []
    for run, gd in pairs:
        end, noisy_end, gd_end = final_common(run, gd)
        ratio, gd_fall, fall = noisy_end / gd_end, _half_fall(gd, end), _half_fall(run, end)
        for statistic, value in (("final / plain GD's", ratio), ("n(T)/n(T/2)", fall)):
            table.append(table_row("label noise", run, run.label, statistic, value))
        table.append(table_row("label noise", gd, gd.label, "n(T)/n(T/2)", gd_fall))
        seeds = f"init {run.coords['init']} order {run.coords['order']}"
        parts.append(
            f"{run.pair[0]} {run.label} ({seeds}): final {noisy_end:.3g} vs GD {gd_end:.3g} "
            f"(ratio {ratio:.3g}); "
            f"second-half fall n(T)/n(T/2): GD {gd_fall:.3g}, noisy {fall:.3g}"
        )
        wrong = []
        if gd_fall < PLATEAU:
            wrong.append(f"plain GD does not plateau (it still falls to {gd_fall:.3g} of its mid-run norm)")
        if fall >= PLATEAU:
            wrong.append(f"the noisy run plateaus too (n(T)/n(T/2) = {fall:.3g})")
        if ratio > 1 / NOISE_FACTOR:
            wrong.append(f"it ends at {ratio:.3g} of plain GD's norm, above 1/{NOISE_FACTOR:g}")
        if wrong:
            misses.append(f"{run.label} ({seeds}): " + "; ".join(wrong))
    return (
        Claim(
            EXPERIMENT,
            claim,
            criterion,
            "; ".join(parts),
            not misses,
            location,
            networks(noisy),
            "; ".join(misses),
        ),
        table,
    )


def _paired_ratios(runs: list[OptRun], sampling: str) -> dict:
    """{(pair, lr, label of the partner): [n_without / n_other at the common end]} over the
    runs with ``sampling`` and their partners without replacement."""
    found = defaultdict(list)
    for run in runs:
        if run.status != "completed" or run.batch is None or run.axis["sampling"] != sampling:
            continue
        other = partner(run, runs, sampling="without_replacement")
        if other is not None:
            _, without, mine = final_common(other, run)
            found[(run.pair, run.lr, other.label, run.label)].append(without / mine)
    return found


def sampling_claim(runs: list[OptRun]) -> tuple[Claim, list[dict]]:
    """SGD without replacement shrinks ||W1[:, r:]|| faster than with replacement."""
    claim = "SGD without replacement shrinks the irrelevant weights faster than SGD with replacement"
    location = "Sec. 3 (second phase); Theorem 2's last line and footnote 3; App. E"
    criterion = (
        "same init, lr, batch size and order seed: the paired ratio of final norms ||W1[:, r:]|| "
        "(without / with replacement) has its 95% interval (t on the log ratios over seed pairs) "
        "below 1 at every batch size; online SGD is reported beside it (the paper defines it, no claim)"
    )
    with_replacement, online = _paired_ratios(runs, "with_replacement"), _paired_ratios(runs, "online")
    if not with_replacement:
        return lacks(
            claim,
            location,
            "linear networks",
            criterion,
            "SGD with sampling with_replacement beside its partner without",
        ), []
    table, parts, misses = [], [], []
    for (pair, lr, label, _), ratios in with_replacement.items():
        centre, low, high = log_ratio_interval(ratios)
        parts.append(
            f"{pair[0]} lr {lr:g} {label}: ratio {centre:.3g} [{low:.3g}, {high:.3g}] "
            f"over {len(ratios)} seed pairs"
        )
        for statistic, value in (("ratio without/with", centre), ("ratio low", low), ("ratio high", high)):
            table.append(
                {
                    "row": "sampling",
                    "dataset": pair[0],
                    "model": pair[1],
                    "lr": lr,
                    "setting": label,
                    "statistic": statistic,
                    "value": value,
                }
            )
        if not high < 1:
            side = (
                "no interval: one seed pair"
                if math.isnan(high)
                else (
                    f"its interval [{low:.3g}, {high:.3g}] "
                    + (
                        "lies above 1"
                        if low > 1
                        else f"contains 1: the two samplers end within {max(1 - low, high - 1):.1%} of each "
                        "other, a difference these seed pairs cannot tell from none"
                    )
                )
            )
            misses.append(f"{label} on {pair[0]} (lr {lr:g}): ratio {centre:.3g}, {side}")
    for (pair, lr, label, other), ratios in online.items():
        centre, low, high = log_ratio_interval(ratios)
        parts.append(f"online (no claim) {label}: without / online {centre:.3g} [{low:.3g}, {high:.3g}]")
        for statistic, value in (("ratio without/online", centre), ("ratio low", low), ("ratio high", high)):
            table.append(
                {
                    "row": "sampling online",
                    "dataset": pair[0],
                    "model": pair[1],
                    "lr": lr,
                    "setting": other,
                    "statistic": statistic,
                    "value": value,
                }
            )
    undecided = any("no interval" in m for m in misses) and len(misses) == sum(
        "no interval" in m for m in misses
    )
    passed = None if undecided else not misses
    chosen = [r for r in runs if r.axis["sampling"] == "with_replacement"]
    return Claim(
        EXPERIMENT, claim, criterion, "; ".join(parts), passed, location, networks(chosen), "; ".join(misses)
    ), table


def paper_claims(runs: list[OptRun], data: dict) -> tuple[list[Claim], list[dict]]:
    """The rows of the paper's statements, in the order of docs/experiments.md, and their table rows."""
    claims, table = [], []
    for claim, rows in (
        monotone_claim(runs, data),
        faster_claim(runs),
        weight_decay_claim(runs, data, relu=False),
        weight_decay_claim(runs, data, relu=True),
        label_noise_claim(runs),
        sampling_claim(runs),
    ):
        claims.append(claim)
        table += rows
    return claims, table

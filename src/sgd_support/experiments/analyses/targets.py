"""What E10 and E11 make, whatever the config: their tables, figures and claims (rules
init_dependence, decay_rate, theorem1). Where the config lacks the data (one init
seed, one lr/b, no GD run of a linear network on synthetic data) the claims say what
is missing instead of deciding.

The path patterns below are the rules' outputs, typed here once; ``start_runs`` is the
selection of the runs the theorem1 rule reads (decay_rate and init_dependence read the
paper's runs, ``sweep.targets.paper_runs``)."""

from __future__ import annotations

from sgd_support.reporting.run_paths import parse_lr
from sgd_support.sweep.targets import Run, Targets

E11_TABLE = "results/analyses/e11_init_dependence.parquet"
E11_HTML = "results/analyses/e11_init_dependence.html"
E11_FIGURE = "results/analyses/e11_init_dependence.png"
E11_CLAIMS = "results/claims/e11_init_dependence.parquet"
E11_SUMMARY = "results/analyses/e11_summary.rst"

E10_RATES = "results/analyses/e10_rates.parquet"
E10_SLOPES = "results/analyses/e10_slopes.parquet"
E10_HTML = "results/analyses/e10_decay_rate.html"
E10_FIGURE = "results/analyses/e10_rate_vs_lr_over_b.png"
E10_CLAIMS = "results/claims/e10_theorem1_rate.parquet"
E10_SUMMARY = "results/analyses/e10_summary.rst"

THEOREM1_TABLE = "results/analyses/e10_theorem1_cells.parquet"
THEOREM1_FITS = "results/analyses/e10_theorem1_fits.parquet"
THEOREM1_FIRST_LAYER = "results/analyses/e10_theorem1_first_layer.parquet"
THEOREM1_HTML = "results/analyses/e10_theorem1.html"
THEOREM1_FIGURE = "results/analyses/e10_theorem1.png"
THEOREM1_CLAIMS = "results/claims/e10_theorem1_per_step.parquet"
THEOREM1_SUMMARY = "results/analyses/e10_theorem1_summary.rst"


def targets(config: dict, runs: list[Run]) -> Targets:
    return Targets(
        report=[E11_HTML, E11_FIGURE, E10_HTML, E10_FIGURE, THEOREM1_HTML, THEOREM1_FIGURE],
        claims=[E11_CLAIMS, E10_CLAIMS, THEOREM1_CLAIMS],
    )


def start_runs(runs: list[Run], config: dict) -> list[Run]:
    """The runs whose snapshots are Theorem 1's given weights (rule theorem1): per
    synthetic data set and linear network, the ``theorem1.optimizer`` run of the first
    init seed and the lowest lr."""
    first = {}
    for run in sorted(runs, key=lambda r: (int(r["init"]), parse_lr(r["lr"]))):
        if (
            run["optimizer"] == config["theorem1"]["optimizer"]
            and config["models"][run["model"]]["activation"] == "identity"
            and config["datasets"][run["dataset"]]["kind"] == "synthetic"
        ):
            first.setdefault((run["dataset"], run["model"]), run)
    return list(first.values())

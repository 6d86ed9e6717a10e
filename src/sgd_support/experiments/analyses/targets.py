"""What E10 and E11 make, whatever the config: their tables, figures and claims (rules
init_dependence, decay_rate, theorem1). Where the config lacks the data (one init
seed, one lr/b, no GD run of a linear network on synthetic data) the claims say what
is missing instead of deciding."""

from __future__ import annotations

from sgd_support.sweep.targets import Run, Targets


def targets(config: dict, runs: list[Run]) -> Targets:
    return Targets(
        report=[
            "results/analyses/e11_init_dependence.html",
            "results/analyses/e11_init_dependence.png",
            "results/analyses/e10_decay_rate.html",
            "results/analyses/e10_rate_vs_lr_over_b.png",
            "results/analyses/e10_theorem1.html",
            "results/analyses/e10_theorem1.png",
        ],
        claims=[
            "results/claims/e11_init_dependence.parquet",
            "results/claims/e10_theorem1_rate.parquet",
            "results/claims/e10_theorem1_per_step.parquet",
        ],
    )

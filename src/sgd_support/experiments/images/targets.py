"""What E7 and E8 make: per (image data set, model) the first-layer figures, the test
metrics and the claims (rule image_figures), per image data set its pixel spectra
(rule data_spectra). A config without image data sets makes none."""

from __future__ import annotations

from sgd_support.data.registry import IMAGE_KINDS
from sgd_support.sweep.targets import Run, Targets, datasets_of, pairs

E7_FILES = ("eigen_histograms.png", "focus_maps.png", "focus_shares.png", "metrics.html")
E8_FILES = ("covariance.png", "spectrum.png")


def targets(config: dict, runs: list[Run]) -> Targets:
    e7 = pairs(config, runs, IMAGE_KINDS)
    e8 = datasets_of(config, IMAGE_KINDS)
    return Targets(
        report=[
            *(
                f"results/figures/e7/dataset={ds}/model={model}/{name}"
                for ds, model in e7
                for name in E7_FILES
            ),
            *(f"results/figures/e8/dataset={ds}/{name}" for ds in e8 for name in E8_FILES),
        ],
        claims=[f"results/claims/e7/dataset={ds}/model={model}.parquet" for ds, model in e7],
    )

"""What E7 and E8 make: per (image data set, model) the first-layer figures, the test
metrics and the claims (rule image_figures), per image data set its pixel spectra
(rule data_spectra). A config without image data sets makes none.

The path patterns below are the rules' outputs, typed here once."""

from __future__ import annotations

from sgd_support.core.data.registry import IMAGE_KINDS
from sgd_support.sweep.targets import Run, Targets, datasets_of, pairs

E7_HISTOGRAMS = "results/figures/e7/dataset={dataset}/model={model}/eigen_histograms.png"
E7_FOCUS = "results/figures/e7/dataset={dataset}/model={model}/focus_maps.png"
E7_SHARES = "results/figures/e7/dataset={dataset}/model={model}/focus_shares.png"
E7_TABLE = "results/figures/e7/dataset={dataset}/model={model}/metrics.html"
E7_TABLE_TSV = "results/figures/e7/dataset={dataset}/model={model}/metrics.tsv"
E7_CLAIMS = "results/claims/e7/dataset={dataset}/model={model}.parquet"
E8_COVARIANCE = "results/figures/e8/dataset={dataset}/covariance.png"
E8_SPECTRUM = "results/figures/e8/dataset={dataset}/spectrum.png"
E8_EIGENVALUES = "results/figures/e8/dataset={dataset}/eigenvalues.tsv"

E7_REPORT = (E7_HISTOGRAMS, E7_FOCUS, E7_SHARES, E7_TABLE)
E8_REPORT = (E8_COVARIANCE, E8_SPECTRUM)


def targets(config: dict, runs: list[Run]) -> Targets:
    e7 = pairs(config, runs, IMAGE_KINDS)
    e8 = datasets_of(config, IMAGE_KINDS)
    return Targets(
        report=[
            *(path.format(dataset=ds, model=model) for ds, model in e7 for path in E7_REPORT),
            *(path.format(dataset=ds) for ds in e8 for path in E8_REPORT),
        ],
        claims=[E7_CLAIMS.format(dataset=ds, model=model) for ds, model in e7],
    )

"""Which of the paper's experiments a run belongs to, and how runs are labelled.

Shared by the aggregation, the figures, the claims and the report's categories, so
a run has one name everywhere ("GD", "SGD-32", "GD+wd") and figures order their
columns as the paper does: GD, SGD from the largest batch to the smallest, GD+wd.
"""

from __future__ import annotations

from sgd_support.core.data.registry import FEATURE_KINDS, IMAGE_KINDS

# The experiment ids of the synthetic runs (docs/experiments.md lists E1-E11).
TITLES = {
    "E1": "E1 linear target",
    "E2": "E2 sine target",
    "E3": "E3 staircase target",
    "E4": "E4 init-seed ablation",
    "E5": "E5 ReLU networks",
}
TARGET_EXPERIMENT = {"linear": "E1", "sine": "E2", "staircase": "E3"}


def experiment_id(dataset: dict, model: dict, init: int | str, first_init: int | str) -> str:
    """The experiment a (data set, model, init seed) belongs to.

    The data set's kind decides first: image data sets are E7 (MNIST/digits first
    layers), frozen-backbone features E9 (the CIFAR10 head), the toy model's points
    E6, any other non-synthetic kind "other" (whatever the network's activation: an
    MNIST MLP with ReLU is not E5). On synthetic data, ReLU networks are E5 whatever
    the target; otherwise init seeds after the sweep's first are the init-seed
    ablation E4 (Fig. 15); otherwise the target decides (linear E1, sine E2,
    staircase E3).
    """
    kind = dataset.get("kind")
    if kind != "synthetic":
        if kind in IMAGE_KINDS:
            return "E7"
        if kind in FEATURE_KINDS:
            return "E9"
        return "E6" if kind in ("toy_points", "toy_landscape") else "other"
    if model.get("activation", "identity") == "relu":
        return "E5"
    if int(init) != int(first_init):
        return "E4"
    return TARGET_EXPERIMENT.get(dataset.get("target", ""), "other")


def experiment_title(experiment: str) -> str:
    return TITLES.get(experiment, experiment)


# The kind of a run whose update is not the paper's GD/SGD (E12/E13's label noise, other
# sampling, momentum, Adam): E1-E5's claims and figures leave such runs out.
OTHER = "other"


def is_paper_update(optimizer: dict) -> bool:
    """GD or SGD as the paper runs it: batches drawn without replacement, no label noise,
    momentum or Adam (weight decay allowed). ``optimizer``: a config entry, or E13's
    axis of one (``theory.targets.optimizer_axis``); an entry without those keys (a file
    written before they existed) is one."""
    return (
        optimizer.get("sampling") in (None, "without_replacement")
        and not optimizer.get("label_noise")
        and not optimizer.get("momentum")
        and optimizer.get("adam") is None
    )


def optimizer_kind(optimizer: dict) -> str:
    """ "gd", "gd_wd", "sgd" or "sgd_wd" from an optimizer's config entry; OTHER for an
    update that is not the paper's (:func:`is_paper_update`)."""
    if not is_paper_update(optimizer):
        return OTHER
    base = "gd" if optimizer.get("batch") == "full" else "sgd"
    return base + ("_wd" if float(optimizer.get("weight_decay", 0.0)) > 0 else "")


def run_label(kind: str, batch: str) -> str:
    """A run's name in figures and tables: GD, GD+wd, SGD-32, SGD+wd-32 (other updates:
    other-32, other-full; the aggregate adds the optimizer's name where two share one)."""
    name = {"gd": "GD", "gd_wd": "GD+wd", "sgd": "SGD", "sgd_wd": "SGD+wd", OTHER: OTHER}[kind]
    return name if kind.startswith("gd") else f"{name}-{batch}"


def label_order(kind: str, batch: str) -> tuple:
    """Sort key: GD, then SGD from the largest batch down, then the +wd variants."""
    rank = {"gd": 0, "sgd": 1, "sgd_wd": 2, "gd_wd": 3, OTHER: 4}[kind]
    return (rank, -int(batch) if batch.isdigit() else 0)

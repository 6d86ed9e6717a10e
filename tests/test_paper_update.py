"""E1-E5, E10 and E11 decide the paper's claims about its GD and SGD: the runs of E12/E13
(diagonal networks; label noise, other samplings, momentum, Adam) must not enter them,
or an Adam run would be ranked as "SGD-32" in E1's batch-size ordering."""

from sgd_support.experiments.synthetic.targets import synthetic_runs
from sgd_support.reporting.catalog import OTHER, is_paper_update, optimizer_kind, run_label
from sgd_support.sweep.config_check import REPO, load_config
from sgd_support.sweep.runs import expand_runs
from sgd_support.sweep.targets import paper_runs


def theory_config() -> dict:
    return load_config(REPO / "config" / "theory.yaml")


def test_the_paper_update_is_gd_or_sgd_without_replacement_with_or_without_weight_decay():
    optimizers = theory_config()["optimizers"]
    kinds = {name: optimizer_kind(opt) for name, opt in optimizers.items()}
    assert kinds["e13_gd"] == "gd" and kinds["e13_sgd"] == "sgd" and kinds["e13_sgd_wd"] == "sgd_wd"
    for name in ("e13_gd_noise", "e13_sgd_wr", "e13_sgd_online", "e13_sgd_momentum", "e13_adam", "e13_adamw"):
        assert kinds[name] == OTHER, name
        assert not is_paper_update(optimizers[name])
    assert run_label(OTHER, "32") == "other-32"


def test_e1_to_e5_e10_and_e11_read_only_the_paper_updates_of_dense_networks():
    config = theory_config()
    runs = expand_runs(config)
    for chosen in (synthetic_runs(config, runs), paper_runs(config, runs)):
        assert chosen, "the theory config has plain GD/SGD runs of dense networks"
        assert all("widths" in config["models"][r["model"]] for r in chosen)
        assert all(is_paper_update(config["optimizers"][r["optimizer"]]) for r in chosen)
    left_out = {r["optimizer"] for r in runs} - {r["optimizer"] for r in paper_runs(config, runs)}
    assert {"e13_adam", "e13_sgd_momentum", "e13_gd_noise", "theory_gd_short"} <= left_out

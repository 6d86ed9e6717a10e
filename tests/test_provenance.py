"""Provenance records which BLAS ran with how many threads, whether the checkout had
uncommitted changes next to its commit, and a code hash that only meaning changes."""

import hashlib
import json
import subprocess

import numpy as np  # noqa: F401  (loads the BLAS that threadpoolctl reports)
from conftest import needs_git

from sgd_support.core import provenance
from sgd_support.core.provenance import code_meaning


def test_blas_library_and_threads_are_recorded():
    blas = provenance.provenance()["numerics"]["blas"]
    assert any(lib["user_api"] == "blas" and lib["num_threads"] >= 1 for lib in blas), blas
    assert all("internal_api" in lib and "version" in lib for lib in blas)


@needs_git  # a repository of its own in tmp_path: runs from a source tarball too
def test_dirty_flag_follows_the_working_tree(tmp_path, monkeypatch):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", "code.py")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    monkeypatch.setattr(provenance, "PACKAGE_DIR", tmp_path)
    assert provenance.git_dirty() is False and len(provenance.git_commit()) == 40
    (tmp_path / "code.py").write_text("x = 2\n")
    assert provenance.git_dirty() is True
    monkeypatch.setattr(provenance, "PACKAGE_DIR", tmp_path / "nowhere")
    assert provenance.git_dirty() is None and provenance.git_commit() is None


MODULE = '''"""A module."""
import numpy as np


def step(w, lr):
    """One step."""
    return w - lr * np.sign(w)  # shrink
'''


def test_code_hash_ignores_layout_comments_and_docstrings():
    reformatted = MODULE.replace('"""One step."""', '"""One step of sign descent."""')
    reformatted = reformatted.replace("  # shrink", "").replace(
        "w - lr * np.sign(w)", "(\n        w - lr * np.sign(w)\n    )"
    )
    assert code_meaning(reformatted) == code_meaning(MODULE)


def test_code_hash_sees_a_changed_statement():
    assert code_meaning(MODULE.replace("w - lr", "w + lr")) != code_meaning(MODULE)
    assert code_meaning(MODULE.replace("np.sign", "np.tanh")) != code_meaning(MODULE)


def test_meaning_digests_parse_a_source_once_and_follow_edits(tmp_path):
    module, cache = tmp_path / "m.py", tmp_path / "cache" / "meaning.json"
    module.write_text(MODULE)
    first = provenance.meaning_digests([module], cache)[module]
    assert json.loads(cache.read_text()) == {hashlib.sha256(MODULE.encode()).hexdigest(): first}
    # a cached source is not parsed again: the stored digest is what comes back
    cache.write_text(json.dumps({hashlib.sha256(MODULE.encode()).hexdigest(): "stored"}))
    assert provenance.meaning_digests([module], cache)[module] == "stored"
    # an edit is a new source: parsed, and a reformatting keeps its meaning's digest
    module.write_text(MODULE.replace("  # shrink", ""))
    cache.unlink()
    assert provenance.meaning_digests([module], cache)[module] == first
    module.write_text(MODULE.replace("w - lr", "w + lr"))
    assert provenance.meaning_digests([module], cache)[module] != first


def test_training_code_leaves_out_the_sweep_side():
    """Expanding and grouping runs (sweep/runs.py) reaches training jobs through their paths
    and params, so editing it must not change the training hash (and rerun every run)."""
    from sgd_support.core.provenance import PACKAGE_DIR, TRAINING_CODE

    roots = [PACKAGE_DIR / p for p in TRAINING_CODE]
    files = [f for r in roots for f in ([r] if r.is_file() else r.rglob("*.py"))]
    hashed = {f.relative_to(PACKAGE_DIR).parts for f in files}
    assert ("core", "training.py") in hashed and ("core", "storage.py") in hashed
    assert not [f for f in hashed if f[0] in ("sweep", "reporting", "experiments")]

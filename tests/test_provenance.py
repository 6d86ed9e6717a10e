"""Provenance records which BLAS ran with how many threads, and whether the
checkout had uncommitted changes next to its commit."""

import subprocess

import numpy as np  # noqa: F401  (loads the BLAS that threadpoolctl reports)

from sgd_support import provenance


def test_blas_library_and_threads_are_recorded():
    blas = provenance.provenance()["numerics"]["blas"]
    assert any(lib["user_api"] == "blas" and lib["num_threads"] >= 1 for lib in blas), blas
    assert all("internal_api" in lib and "version" in lib for lib in blas)


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

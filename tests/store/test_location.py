"""Where the store is by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from otelscope.store import STORE_DIR_ENV, default_store_dir


def test_the_environment_variable_names_the_store(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv(STORE_DIR_ENV, str(tmp_path / "traces here"))

    assert STORE_DIR_ENV == "OTELSCOPE_STORE_DIR"
    assert default_store_dir() == tmp_path / "traces here"


def test_a_home_relative_setting_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(STORE_DIR_ENV, "~/store")

    assert default_store_dir() == tmp_path / "store"


@pytest.mark.parametrize("setting", [None, "", "  "])
def test_otherwise_it_is_dot_otelscope_in_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, setting
):
    monkeypatch.chdir(tmp_path)
    if setting is None:
        monkeypatch.delenv(STORE_DIR_ENV, raising=False)
    else:
        monkeypatch.setenv(STORE_DIR_ENV, setting)

    assert default_store_dir() == tmp_path / ".otelscope"

"""Tests that run on both AgentScope lines, each on the line installed
(``tests.lines.line``); the fixtures of ``tests/conftest.py`` apply."""

from __future__ import annotations

import pytest

from tests.lines.line import LINE, VERSION


def pytest_report_header(config: pytest.Config) -> str:
    return f"tests/lines: AgentScope {VERSION} (line {LINE})"

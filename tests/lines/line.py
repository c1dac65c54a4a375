"""The AgentScope line installed here, for the tests that run on both lines.

Each line has its kits, ``tests/v1/*kit.py`` and ``tests/v2/*kit.py``, which
give the same names to what differs between the lines (how an agent is built
and called, what a tool returns, ...). A shared test takes the installed
line's kit from here and states what it expects once; a value that differs
by line is spelled ``per_line(v1=..., v2=...)`` where it is expected.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TypeVar

import agentscope

VERSION: str = agentscope.__version__
if VERSION.startswith("1."):
    LINE = 1
elif VERSION.startswith("2."):
    LINE = 2
else:  # pragma: no cover - a line the suite does not know
    raise RuntimeError(f"no tests for AgentScope {VERSION}")

T = TypeVar("T")


def line_kit(name: str) -> ModuleType:
    """The installed line's kit ``name``: ``tests.v1.<name>`` or ``tests.v2.<name>``."""
    return importlib.import_module(f"tests.v{LINE}.{name}")


def per_line(v1: T, v2: T) -> T:
    """The value the installed line expects."""
    return v1 if LINE == 1 else v2


# The agents, models and tools of the installed line.
kit = line_kit("kit")

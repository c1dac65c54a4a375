"""Reading attribute values defensively from objects otelscope does not own.

A value of the wrong type is left out (``None``), never coerced by guessing:
an attribute that is missing is better than one that is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.util.types import AttributeValue


def text(value: Any) -> str | None:
    """A non-empty string, or None."""
    return value if isinstance(value, str) and value else None


def number(value: Any) -> float | None:
    """An int or float (not bool) as float, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def integer(value: Any) -> int | None:
    """An int (not bool), or None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def field(value: Any, key: str) -> Any:
    """``value[key]`` for mappings (1.x blocks are TypedDicts), else the
    attribute; None when reading it fails (a property or proxy that raises)."""
    try:
        return value.get(key) if isinstance(value, Mapping) else getattr(value, key, None)
    except Exception:
        return None


def known(values: Mapping[str, AttributeValue | None]) -> dict[str, AttributeValue]:
    """The attributes whose value is known (not None): the one way otelscope
    leaves unknown values out."""
    # A loop, not a comprehension: on Python 3.11 a comprehension is a call
    # of its own, and this runs for every span otelscope starts.
    found: dict[str, AttributeValue] = {}
    for key, value in values.items():
        if value is not None:
            found[key] = value
    return found

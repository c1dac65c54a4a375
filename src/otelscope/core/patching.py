"""Replacing class attributes and putting back exactly what was there.

``uninstrument()`` must leave every class as it found it: an attribute the
class defined itself gets its original object back, and an attribute it only
inherited is deleted again so lookups fall through to the base class as
before.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

_MISSING = object()

ORIGINAL_ATTRIBUTE = "__otelscope_original__"


class Patches:
    """The attributes one instrumentation replaced, restorable in reverse order."""

    def __init__(self) -> None:
        self._applied: list[tuple[type, str, object]] = []

    def wrap(
        self,
        owner: type,
        name: str,
        make_wrapper: Callable[[Callable[..., Any]], Callable[..., Any]],
    ) -> None:
        """Replace the method ``owner.name`` by ``make_wrapper(original)``."""
        original = getattr(owner, name)
        wrapper = make_wrapper(original)
        functools.update_wrapper(wrapper, original)
        setattr(wrapper, ORIGINAL_ATTRIBUTE, original)
        self.replace(owner, name, wrapper)

    def replace(self, owner: type, name: str, value: object) -> None:
        """Set ``owner.name`` to ``value``, remembering what ``owner`` itself held."""
        self._applied.append((owner, name, owner.__dict__.get(name, _MISSING)))
        setattr(owner, name, value)

    def is_patched(self, owner: type, name: str) -> bool:
        return any(o is owner and n == name for o, n, _ in self._applied)

    def restore_all(self) -> None:
        while self._applied:
            owner, name, previous = self._applied.pop()
            if previous is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, previous)

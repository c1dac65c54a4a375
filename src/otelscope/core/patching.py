"""Replacing class attributes and putting back exactly what was there.

``uninstrument()`` must leave every class as it found it: an attribute the
class defined itself gets its original object back, and an attribute it only
inherited is deleted again so lookups fall through to the base class as
before. Other undo steps (retiring machinery that in-flight calls still hold)
are queued with ``defer`` and run in the same reverse order.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import ModuleType
from typing import Any

ORIGINAL_ATTRIBUTE = "__otelscope_original__"

# A class, or a module whose functions are replaced the same way.
Owner = type | ModuleType


class Patches:
    """What one instrumentation changed, undone in reverse order."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []

    def wrap(
        self,
        owner: Owner,
        name: str,
        make_wrapper: Callable[[Callable[..., Any]], Callable[..., Any]],
    ) -> None:
        """Replace the method ``owner.name`` by ``make_wrapper(original)``."""
        original = getattr(owner, name)
        wrapper = make_wrapper(original)
        functools.update_wrapper(wrapper, original)
        setattr(wrapper, ORIGINAL_ATTRIBUTE, original)
        self.replace(owner, name, wrapper)

    def replace(self, owner: Owner, name: str, value: object) -> None:
        """Set ``owner.name`` to ``value``, remembering what ``owner`` itself held."""
        if name in owner.__dict__:
            previous = owner.__dict__[name]
            self._undo.append(lambda: setattr(owner, name, previous))
        else:
            self._undo.append(lambda: delattr(owner, name))
        setattr(owner, name, value)

    def defer(self, undo: Callable[[], None]) -> None:
        """Run ``undo`` when everything is restored."""
        self._undo.append(undo)

    def restore_all(self) -> None:
        while self._undo:
            self._undo.pop()()

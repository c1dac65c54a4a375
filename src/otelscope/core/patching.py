"""Replacing class attributes and putting back exactly what was there.

``uninstrument()`` must leave every class as it found it: an attribute the
class defined itself gets its original object back, and an attribute it only
inherited is deleted again so lookups fall through to the base class as
before. Other undo steps (retiring machinery that in-flight calls still hold)
are queued with ``defer`` and run in the same reverse order.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from importlib import import_module
from types import ModuleType
from typing import Any

from wrapt import register_post_import_hook

from otelscope.core.guard import report_internal_error

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


def install_on_import(patches: Patches, installers: Mapping[str, str], *args: object) -> None:
    """For each ``module: installer`` pair, call ``installer.install(patches,
    *args)`` when ``module`` is imported (now, if it already is), by anyone,
    before or after this call. Importing SDKs eagerly would cost every
    instrumented process the time to import SDKs it may never use. A module
    imported after ``patches`` were restored is left alone: the import system
    keeps its hooks for good, so each checks first."""
    armed = _Armed()
    patches.defer(armed.disarm)
    for module, installer in installers.items():
        register_post_import_hook(_installer(armed, installer, patches, args), module)


class _Armed:
    """Whether the instrumentation that registered the hooks still stands."""

    def __init__(self) -> None:
        self.armed = True

    def disarm(self) -> None:
        self.armed = False


def _installer(
    armed: _Armed, installer: str, patches: Patches, args: tuple[object, ...]
) -> Callable[[ModuleType], None]:
    def install(module: ModuleType) -> None:
        if not armed.armed:
            return
        try:
            import_module(installer).install(patches, *args)
        except Exception:
            report_internal_error(f"instrumenting {module.__name__}")

    return install

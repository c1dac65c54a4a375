"""Wrapping a method on every class of a hierarchy that defines its own.

AgentScope model classes often override ``__call__`` themselves (every 1.x
chat and embedding model, some 2.x embedding models), so wrapping the base
class alone would miss them. Each class whose own ``__dict__`` defines the
method is wrapped: those that exist now, and, through the base class's
``__init_subclass__``, every class defined later (a user's model is usually
defined after ``instrument()`` runs). A subclass that calls ``super()`` then
passes through two wrappers; ``NestedCallGuard`` lets the inner one step aside.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from contextvars import ContextVar, Token
from typing import Any, cast

from otelscope.core.guard import report_internal_error
from otelscope.core.patching import Patches

Wrap = Callable[[Callable[..., Any]], Callable[..., Any]]


def wrap_own_methods(base: type, name: str, wrap: Wrap, patches: Patches) -> None:
    """Wrap ``name`` on ``base`` and on every subclass, now and later.
    Several methods of one base may be wrapped, one call each."""
    for cls in [base, *_subclasses(base)]:
        _wrap_if_own(cls, name, wrap, patches)
    # The base's own hook, which may be the one an earlier call installed to
    # wrap another method of the same classes: it still runs first.
    previous = base.__dict__.get("__init_subclass__")

    def __init_subclass__(cls: type, /, **kwargs: Any) -> None:
        if isinstance(previous, classmethod):
            previous.__get__(None, cls)(**kwargs)
        else:
            super(cast(Any, base), cls).__init_subclass__(**kwargs)
        try:
            _wrap_if_own(cls, name, wrap, patches)
        except Exception:
            report_internal_error(f"wrapping {cls.__qualname__}.{name}")

    patches.replace(base, "__init_subclass__", classmethod(__init_subclass__))


def _wrap_if_own(cls: type, name: str, wrap: Wrap, patches: Patches) -> None:
    own = cls.__dict__.get(name)
    # An abstract declaration is never called; its overrides are.
    if own is not None and not getattr(own, "__isabstractmethod__", False):
        patches.wrap(cls, name, wrap)


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    pending = [cls]
    while pending:
        sub: type
        for sub in pending.pop().__subclasses__():
            if sub not in found:
                found.append(sub)
                pending.append(sub)
    return found


class NestedCallGuard:
    """Which object's wrapped call is running in this context: the same
    object reached again through ``super()`` is the same call, not a new one."""

    def __init__(self, name: str) -> None:
        self._running: ContextVar[object | None] = ContextVar(name, default=None)
        # For wrappers that run on every call: mark a target as running and
        # undo it with the token, in a try/finally of their own (the
        # ContextVar's methods, so no Python call each).
        self.enter: Callable[[object], Token[object | None]] = self._running.set
        self.leave: Callable[[Token[object | None]], None] = self._running.reset

    def is_running(self, target: object) -> bool:
        return self._running.get() is target

    def running(self, target: object, also: AbstractContextManager[None] | None = None) -> _Running:
        """Mark ``target`` as running for a ``with`` block, entering ``also``
        inside it."""
        return _Running(self._running, target, also)


class _Running:
    # A class, not a generator-based context manager: entered around every
    # wrapped call.
    __slots__ = ("_also", "_target", "_token", "_var")

    def __init__(
        self,
        var: ContextVar[object | None],
        target: object,
        also: AbstractContextManager[None] | None,
    ) -> None:
        self._var = var
        self._target = target
        self._also = also

    def __enter__(self) -> None:
        self._token = self._var.set(self._target)
        if self._also is not None:
            try:
                self._also.__enter__()
            except BaseException:
                self._var.reset(self._token)
                raise

    def __exit__(self, *exc_info: Any) -> None:
        try:
            if self._also is not None:
                self._also.__exit__(*exc_info)
        finally:
            self._var.reset(self._token)

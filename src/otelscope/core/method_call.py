"""The guarded steps of a traced method that reads its arguments by name.

Retrieval, indexing and memory methods (``otelscope.core.retrieval_call``,
``otelscope.core.memory_call``) are traced alike: the reader of a line sees
the call's arguments by name, defaults applied (each wrapped method's
signature is read once, when it is wrapped), so a limit the caller left out
is the method's own default; the method runs with its span current, so what
it calls nests under it; and a call made while the same object is already
in a traced call of the same kind (a subclass's ``super()``, a tool method
that goes through another) steps aside, through a ``NestedCallGuard``.

A kind of method supplies ``start`` (its span, or None to run untraced) and
``returned``; ``traced_method`` makes the wrapper.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Mapping
from contextlib import AbstractContextManager
from typing import Any, NamedTuple

from otelscope.core.arguments import bound_arguments, signature_of
from otelscope.core.guard import Arguments, guarded_coroutine
from otelscope.core.hierarchy import NestedCallGuard
from otelscope.core.operation import Operation
from otelscope.core.streams import step_scope

MethodCall = Callable[..., Coroutine[Any, Any, Any]]
Wrap = Callable[[MethodCall], MethodCall]


class Running(NamedTuple):
    operation: Operation
    arguments: Mapping[str, Any]


class MethodSteps:
    """The steps every such method shares; a kind adds ``what``, ``start``
    and ``returned``."""

    what = "a span"

    def __init__(self, guard: NestedCallGuard, signature: inspect.Signature | None) -> None:
        self._guard = guard
        self._signature = signature

    def start(self, owner: Any, arguments: Mapping[str, Any]) -> Operation | None:
        """The call's span, or None for a call that is not traced."""
        raise NotImplementedError

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> Running | None:
        owner = args[0]
        if self._guard.is_running(owner):
            return None
        arguments = bound_arguments(self._signature, args, kwargs)
        operation = self.start(owner, arguments)
        return None if operation is None else Running(operation, arguments)

    def scope(self, running: Running, args: Arguments) -> AbstractContextManager[object]:
        return step_scope(running.operation, also=self._guard.running(args[0]))

    def returned(self, running: Running, result: Any) -> Any:
        running.operation.stop()
        return result

    def failed(self, running: Running, error: BaseException) -> None:
        running.operation.fail(error)


def traced_method(steps_for: Callable[[inspect.Signature | None], MethodSteps]) -> Wrap:
    """A wrapper whose steps ``steps_for`` makes from the wrapped method's
    signature."""

    def wrap(original: MethodCall) -> MethodCall:
        return guarded_coroutine(steps_for(signature_of(original)))(original)

    return wrap

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
``returned``; ``traced_method`` makes the wrapper. ``ReadingSteps`` is the
shape of a method that looks something up (a retrieval, a memory
operation): its query is content when it starts, and when it returns its
result is counted, and is content too.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Mapping
from contextlib import AbstractContextManager
from typing import Any, NamedTuple

from otelscope.core.arguments import bound_arguments, signature_of
from otelscope.core.guard import Arguments, guarded_coroutine, report_internal_error, safely
from otelscope.core.hierarchy import NestedCallGuard
from otelscope.core.operation import Operation
from otelscope.core.streams import step_scope
from otelscope.core.telemetry import Telemetry

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


class ReadingSteps(MethodSteps):
    """A method with a query and a counted result; a kind adds ``what``,
    ``open``, its content and its count, and ``close``."""

    def __init__(
        self, telemetry: Telemetry, guard: NestedCallGuard, signature: inspect.Signature | None
    ) -> None:
        super().__init__(guard, signature)
        self._telemetry = telemetry

    def open(self, owner: Any, arguments: Mapping[str, Any]) -> Operation | None:
        """The call's span, or None for a call that is not traced."""
        raise NotImplementedError

    def query_content(self, arguments: Mapping[str, Any]) -> Mapping[str, Any]:
        raise NotImplementedError

    def result_content(self, arguments: Mapping[str, Any], result: Any) -> Mapping[str, Any]:
        raise NotImplementedError

    def count(self, arguments: Mapping[str, Any], result: Any) -> int | None:
        raise NotImplementedError

    def close(self, operation: Operation, count: int | None) -> None:
        """End the span, with the count (None when it could not be read)."""
        raise NotImplementedError

    def start(self, owner: Any, arguments: Mapping[str, Any]) -> Operation | None:
        operation = self.open(owner, arguments)
        # Once the span started, a failure to read is reported and the call
        # stays traced: the span must still end.
        if operation is not None and self._telemetry.wants_span_content(operation):
            safely(f"recording the query of {self.what}", self._record_query, operation, arguments)
        return operation

    def returned(self, running: Running, result: Any) -> Any:
        operation, arguments = running
        if self._telemetry.wants_span_content(operation):
            what = f"recording the result of {self.what}"
            safely(what, self._record_result, operation, arguments, result)
        count = None
        try:
            count = self.count(arguments, result)
        except Exception:
            report_internal_error(f"counting the result of {self.what}")
        self.close(operation, count)
        return result

    def _record_query(self, operation: Operation, arguments: Mapping[str, Any]) -> None:
        self._telemetry.record_content(operation, self.query_content(arguments))

    def _record_result(
        self, operation: Operation, arguments: Mapping[str, Any], result: Any
    ) -> None:
        self._telemetry.record_content(operation, self.result_content(arguments, result))


def traced_method(steps_for: Callable[[inspect.Signature | None], MethodSteps]) -> Wrap:
    """A wrapper whose steps ``steps_for`` makes from the wrapped method's
    signature."""

    def wrap(original: MethodCall) -> MethodCall:
        return guarded_coroutine(steps_for(signature_of(original)))(original)

    return wrap

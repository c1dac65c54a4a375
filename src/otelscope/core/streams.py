"""Passing async generators through while tracing them.

AgentScope tells a stream from a response with ``inspect.isasyncgen`` (2.x) or
``isinstance(x, AsyncGenerator)``, so a proxy object would break replies; the
wrapper here is a real ``async def ... yield`` generator.

The traced operation's context is attached around each step of the source
(one ``anext``) and detached before the item is handed to the consumer, never
held across a ``yield`` (rule 4 in ``otelscope.core.calls``). Code that runs
inside the source, such as a tool body, therefore sees the operation as its
parent span, and the generator may be finished or closed from any task.

The observer is told exactly one of: ``finished`` (exhausted), ``failed``
(the source raised, cancellation included) or ``closed`` (the consumer
stopped early). Observer errors are reported, never raised. A stream closed or
dropped before its first step never runs its body (Python skips the
``finally`` of a generator that never started), so a finalizer reports it
``closed`` when it is collected.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Protocol, TypeVar

from opentelemetry import context as otel_context

from otelscope.core import calls
from otelscope.core.calls import AgentCall
from otelscope.core.guard import report_internal_error
from otelscope.core.operation import Operation

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)


class StreamObserver(Protocol[T_contra]):
    """What a traced stream reports to the telemetry that watches it."""

    def item(self, item: T_contra) -> None: ...

    def finished(self) -> None: ...

    def failed(self, error: BaseException) -> None: ...

    def closed(self) -> None: ...


class step_scope:
    """Attach ``operation`` (and ``call``, if given, as the current call) for
    one synchronous or single-await stretch. A class, not a generator-based
    context manager: it is entered around every traced step."""

    __slots__ = ("_call", "_call_token", "_context", "_token")

    def __init__(self, operation: Operation, call: AgentCall | None = None) -> None:
        self._context = operation.context
        self._call = call

    def __enter__(self) -> None:
        self._token = otel_context.attach(self._context)
        self._call_token = calls.enter_call(self._call) if self._call is not None else None

    def __exit__(self, *exc_info: object) -> None:
        if self._call_token is not None:
            calls.leave_call(self._call_token)
        otel_context.detach(self._token)


def traced_stream(
    source: AsyncGenerator[T, None],
    operation: Operation,
    observer: StreamObserver[T],
    call: AgentCall | None = None,
    step: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> AsyncGenerator[T, None]:
    """Yield every item of ``source`` unchanged, reporting to ``observer``.
    ``step`` gives a further context to enter around each step, for per-call
    state the source's code must see."""
    first_step = _FirstStep()
    stream = _traced_steps(source, operation, observer, call, step, first_step=first_step)
    first_step.until_then_report_closed(stream, observer)
    return stream


class _FirstStep:
    """Until a stream takes its first step, its collection means it was
    closed or dropped unread."""

    __slots__ = ("_finalizer",)

    def __init__(self) -> None:
        self._finalizer: weakref.finalize[..., object] | None = None

    def until_then_report_closed(self, stream: object, observer: StreamObserver[T]) -> None:
        self._finalizer = weakref.finalize(stream, _notify, observer.closed)
        # At interpreter exit the telemetry may be gone: nothing to report to.
        self._finalizer.atexit = False

    def taken(self) -> None:
        if self._finalizer is not None:
            self._finalizer.detach()


async def _traced_steps(
    source: AsyncGenerator[T, None],
    operation: Operation,
    observer: StreamObserver[T],
    call: AgentCall | None,
    step: Callable[[], AbstractContextManager[object]],
    *,
    first_step: _FirstStep,
) -> AsyncGenerator[T, None]:
    first_step.taken()
    completed = False
    try:
        while True:
            try:
                with step_scope(operation, call), step():
                    item = await source.__anext__()
            except StopAsyncIteration:
                completed = True
                _notify(observer.finished)
                return
            except BaseException as error:
                completed = True
                _notify_failure(observer, error)
                raise
            _notify_item(observer, item)
            yield item
    finally:
        if not completed:
            # The consumer stopped early (aclose, break, garbage collection):
            # close the source under the operation's context, then report.
            try:
                with step_scope(operation, call), step():
                    await source.aclose()
            finally:
                _notify(observer.closed)


def _notify(callback: Callable[[], None]) -> None:
    try:
        callback()
    except Exception:
        report_internal_error("finishing a traced stream")


def _notify_failure(observer: StreamObserver[T], error: BaseException) -> None:
    try:
        observer.failed(error)
    except Exception:
        report_internal_error("recording a stream failure")


def _notify_item(observer: StreamObserver[T], item: T) -> None:
    try:
        observer.item(item)
    except Exception:
        report_internal_error("recording a stream item")

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
``finally`` of a generator that never started), so a weak reference's
callback reports it ``closed`` when it is collected.
"""

from __future__ import annotations

import atexit
import weakref
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractContextManager
from typing import Protocol, TypeVar

from opentelemetry import context as otel_context

from otelscope.core import calls
from otelscope.core.guard import report_internal_error
from otelscope.core.invocations import AgentCall
from otelscope.core.operation import Operation
from otelscope.core.remote import RemoteBy, enter_remote, leave_remote
from otelscope.core.served import ServedBy, enter_serving, leave_serving

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)


class StreamObserver(Protocol[T_contra]):
    """What a traced stream reports to the telemetry that watches it. An
    observer with no use for the items sets ``item`` to None: no call per item."""

    @property
    def item(self) -> Callable[[T_contra], None] | None: ...

    def finished(self) -> None: ...

    def failed(self, error: BaseException) -> None: ...

    def closed(self) -> None: ...


class step_scope:
    """Attach ``operation`` (and ``call``, if given, as the current call,
    ``remote`` as the call a protocol SDK reports to, ``serving`` as the model
    call a provider's SDK reports to, and ``also``, if given) for one
    synchronous or single-await stretch. A class, not a generator-based
    context manager: it is entered around every traced call."""

    __slots__ = (
        "_also",
        "_call",
        "_call_token",
        "_context",
        "_remote",
        "_remote_token",
        "_serving",
        "_serving_token",
        "_token",
    )

    def __init__(
        self,
        operation: Operation,
        call: AgentCall | None = None,
        also: AbstractContextManager[object] | None = None,
        remote: RemoteBy | None = None,
        serving: ServedBy | None = None,
    ) -> None:
        self._context = operation.context
        self._call = call
        self._also = also
        self._remote = remote
        self._serving = serving

    def __enter__(self) -> None:
        context = self._context
        self._token = None if context is None else otel_context.attach(context)
        self._call_token = calls.enter_call(self._call) if self._call is not None else None
        self._remote_token = enter_remote(self._remote) if self._remote is not None else None
        self._serving_token = enter_serving(self._serving) if self._serving is not None else None
        if self._also is not None:
            try:
                self._also.__enter__()
            except BaseException:
                self._leave()
                raise

    def __exit__(self, *exc_info: object) -> None:
        if self._also is None:
            # `_leave` written out: this runs after every traced call.
            if self._serving_token is not None:
                leave_serving(self._serving_token)
            if self._remote_token is not None:
                leave_remote(self._remote_token)
            if self._call_token is not None:
                calls.leave_call(self._call_token)
            if self._token is not None:
                otel_context.detach(self._token)
            return
        try:
            self._also.__exit__(None, None, None)
        finally:
            self._leave()

    def _leave(self) -> None:
        if self._serving_token is not None:
            leave_serving(self._serving_token)
        if self._remote_token is not None:
            leave_remote(self._remote_token)
        if self._call_token is not None:
            calls.leave_call(self._call_token)
        if self._token is not None:
            otel_context.detach(self._token)


def traced_stream(
    source: AsyncGenerator[T, None],
    operation: Operation,
    observer: StreamObserver[T],
    *,
    call: AgentCall | None = None,
    also: AbstractContextManager[object] | None = None,
    serving: ServedBy | None = None,
    remote: RemoteBy | None = None,
) -> AsyncGenerator[T, None]:
    """Yield every item of ``source`` unchanged, reporting to ``observer``.
    ``also`` is a further context to enter around each step (one instance,
    entered again for every step), for per-call state the source's code must
    see. ``serving`` is the model call that the provider's SDK, reading its
    stream inside the source, reports to (``otelscope.core.served``): some
    SDKs send their request only when the stream is first read. ``remote``
    is the tool or agent call that a protocol SDK (MCP, A2A) used inside the
    source reports to (``otelscope.core.remote``)."""
    unread = _Unread()
    stream = _traced_steps(
        source,
        observer,
        unread,
        operation=operation,
        call=call,
        also=also,
        serving=serving,
        remote=remote,
    )
    unread.report_closed_if_dropped(stream, observer)
    return stream


# Streams not yet started, each with the report to make if it is collected
# before its first step. The weak references live here, not in the stream,
# so their callbacks run even when a stream dies in a reference cycle.
_unstarted: dict[weakref.ref[object], Callable[[], None]] = {}
# At interpreter exit the telemetry may be gone: nothing to report to.
atexit.register(_unstarted.clear)


class _Unread:
    """Until a stream takes its first step, its collection means it was
    closed or dropped unread (its body, and so its ``finally``, never ran)."""

    __slots__ = ("_reference",)

    def report_closed_if_dropped(self, stream: object, observer: StreamObserver[T]) -> None:
        self._reference = weakref.ref(stream, _dropped_unread)
        _unstarted[self._reference] = observer.closed

    def started(self) -> None:
        _unstarted.pop(self._reference, None)


def _dropped_unread(reference: weakref.ref[object]) -> None:
    report = _unstarted.pop(reference, None)
    if report is not None:
        _notify(report)


# One function with every branch inline: it runs for each item of each traced
# stream, and a helper per step would cost a call per item.
async def _traced_steps(  # noqa: PLR0912, PLR0915
    source: AsyncGenerator[T, None],
    observer: StreamObserver[T],
    unread: _Unread,
    *,
    operation: Operation,
    call: AgentCall | None,
    also: AbstractContextManager[object] | None,
    serving: ServedBy | None,
    remote: RemoteBy | None,
) -> AsyncGenerator[T, None]:
    unread.started()
    context = operation.context
    on_item = observer.item
    completed = False
    step = source.__anext__
    try:
        while True:
            # `step_scope`'s work, written out: this runs for every item of
            # every traced stream, and a context manager costs three calls more.
            try:
                token = None if context is None else otel_context.attach(context)
                call_token = calls.enter_call(call) if call is not None else None
                serving_token = enter_serving(serving) if serving is not None else None
                remote_token = enter_remote(remote) if remote is not None else None
                try:
                    if also is None:
                        item = await step()
                    else:
                        with also:
                            item = await step()
                finally:
                    if remote_token is not None:
                        leave_remote(remote_token)
                    if serving_token is not None:
                        leave_serving(serving_token)
                    if call_token is not None:
                        calls.leave_call(call_token)
                    if token is not None:
                        otel_context.detach(token)
            except StopAsyncIteration:
                completed = True
                _notify(observer.finished)
                return
            except BaseException as error:
                completed = True
                _notify_failure(observer, error)
                raise
            if on_item is not None:
                try:
                    on_item(item)
                except Exception:
                    report_internal_error("recording a stream item")
            yield item
    finally:
        if not completed:
            # The consumer stopped early (aclose, break, garbage collection):
            # close the source under the operation's context, then report.
            try:
                with step_scope(operation, call, also, remote):
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

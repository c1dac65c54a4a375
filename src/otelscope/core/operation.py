"""One traced operation: a span that ends exactly once, as success, failure or
cancellation.

Every span otelscope makes goes through ``Operation``. Ending twice is a
no-op, so the many paths that may finish an operation (a stream exhausted, a
stream closed, an exception, the enclosing call ending) need no coordination.
"""

from __future__ import annotations

import asyncio
import time

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.guard import report_internal_error
from otelscope.core.remote import Remote
from otelscope.core.values import known


def error_type_of(error: BaseException) -> str:
    """The `error.type` value for an exception: its class's qualified name."""
    if isinstance(error, asyncio.CancelledError):
        return conv.ERROR_TYPE_CANCELLED
    cls = type(error)
    module = cls.__module__
    if module in {"builtins", "__main__"}:
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


class Operation:
    """A started span plus the context that makes it the parent of nested work.

    ``_recorded`` is called once, after the span ended, with the
    ``error.type`` it ended with (None for success): each kind of invocation
    (``otelscope.core.invocations``) records its metrics there, so every path
    that ends a span records them too.

    A call whose other side runs in another process (a tool an MCP server
    runs, an A2A agent) keeps what the protocol's SDK reported about it
    (``otelscope.core.remote``): set on the span as it ends, and a failure
    reported inside the answer ends a call that would otherwise succeed.
    """

    __slots__ = ("_remote", "context", "ended", "span", "started")

    def __init__(self, span: Span, attached: bool = True) -> None:
        self.span = span
        # None for a part of a call whose trace a sampler dropped: it stands on
        # the call's span, whose context the call keeps attached around it,
        # so it attaches nothing itself (``otelscope.core.telemetry``).
        self.context: Context | None = trace.set_span_in_context(span) if attached else None
        self.ended = False
        self.started = time.perf_counter()
        self._remote: Remote | None = None

    def remote_record(self) -> Remote:
        """The record a protocol SDK reports to, made when it first does."""
        if self._remote is None:
            self._remote = Remote()
        return self._remote

    @property
    def remote(self) -> Remote | None:
        return self._remote

    def set(self, key: str, value: AttributeValue | None) -> None:
        """Set an attribute, skipping values that are unknown."""
        if value is not None and not self.ended:
            self.span.set_attribute(key, value)

    def set_all(self, attributes: dict[str, AttributeValue | None]) -> None:
        """Set the known ones of several attributes at once (one lock on the
        span instead of one per attribute)."""
        values = known(attributes)
        if values and not self.ended:
            self.span.set_attributes(values)

    def duration(self) -> float:
        """Seconds from start to end: the span's own times when the SDK
        recorded them (so a duration metric equals the span's duration)."""
        start = getattr(self.span, "start_time", None)
        end = getattr(self.span, "end_time", None)
        if isinstance(start, int) and isinstance(end, int):
            return (end - start) / 1e9
        return time.perf_counter() - self.started

    def stop(self) -> None:
        """End the span as a success, unless the other side reported a failure."""
        if self.ended:
            return
        remote = self._remote
        if remote is not None and remote.failure is not None:
            self.fail_as(*remote.failure)
            return
        self.ended = True
        self._end(None)

    def fail(self, error: BaseException) -> None:
        """End the span as failed by ``error`` (cancellation counts as cancelled)."""
        if isinstance(error, asyncio.CancelledError):
            self.cancel()
            return
        if self.ended:
            return
        self.ended = True
        error_type = error_type_of(error)
        remote = self._remote
        if remote is not None:
            # The other side named the error (an MCP JSON-RPC code): its name
            # goes on the span when it ends, and so in the metric too.
            named = remote.attributes.get(conv.ERROR_TYPE)
            error_type = named if isinstance(named, str) else error_type
        self.span.set_attribute(conv.ERROR_TYPE, error_type)
        self.span.record_exception(error)
        self.span.set_status(Status(StatusCode.ERROR, _describe(error)))
        self._end(error_type)

    def fail_as(self, error_type: str, description: str) -> None:
        """End the span as failed where the framework reported the failure
        instead of raising it (a tool error turned into a result)."""
        if self.ended:
            return
        self.ended = True
        self.span.set_attribute(conv.ERROR_TYPE, error_type)
        self.span.set_status(Status(StatusCode.ERROR, description))
        self._end(error_type)

    def cancel(self) -> None:
        """End the span as cancelled: it did not complete, and nothing failed."""
        if self.ended:
            return
        self.ended = True
        self.span.set_attribute(conv.ERROR_TYPE, conv.ERROR_TYPE_CANCELLED)
        self.span.set_status(Status(StatusCode.ERROR, "cancelled"))
        self._end(conv.ERROR_TYPE_CANCELLED)

    def _end(self, error_type: str | None) -> None:
        if self._remote is not None and self._remote.attributes:
            # After any attribute set at the start: the remote side's word wins.
            self.span.set_attributes(self._remote.attributes)
        # A span processor may raise from `end()` after the SDK ended the
        # span: the metric is still recorded, and the caller goes on to end
        # the enclosing spans instead of being cut short.
        try:
            self.span.end()
        except Exception:
            report_internal_error("ending a span")
        try:
            self._recorded(error_type)
        except Exception:
            report_internal_error("recording metrics")

    def _recorded(self, error_type: str | None) -> None:
        """The span ended with ``error_type``: record what depends on it."""


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__

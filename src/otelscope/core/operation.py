"""One traced operation: a span that ends exactly once, as success, failure or
cancellation.

Every span otelscope makes goes through ``Operation``. Ending twice is a
no-op, so the many paths that may finish an operation (a stream exhausted, a
stream closed, an exception, the enclosing call ending) need no coordination.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv


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
    """A started span plus the context that makes it the parent of nested work."""

    __slots__ = ("context", "ended", "span")

    def __init__(self, span: Span) -> None:
        self.span = span
        self.context = trace.set_span_in_context(span)
        self.ended = False

    def set(self, key: str, value: AttributeValue | None) -> None:
        """Set an attribute, skipping values that are unknown."""
        if value is not None and not self.ended:
            self.span.set_attribute(key, value)

    @contextmanager
    def current(self) -> Iterator[None]:
        """Make this span the current one for the duration of the block.

        Only use around code that does not suspend across a ``yield`` to a
        consumer: an async generator may be closed from another task, where
        detaching a token attached here would fail.
        """
        token = otel_context.attach(self.context)
        try:
            yield
        finally:
            otel_context.detach(token)

    def stop(self) -> None:
        """End the span as a success."""
        if self.ended:
            return
        self.ended = True
        self.span.end()

    def fail(self, error: BaseException) -> None:
        """End the span as failed by ``error`` (cancellation counts as cancelled)."""
        if isinstance(error, asyncio.CancelledError):
            self.cancel()
            return
        if self.ended:
            return
        self.ended = True
        self.span.set_attribute(conv.ERROR_TYPE, error_type_of(error))
        self.span.record_exception(error)
        self.span.set_status(Status(StatusCode.ERROR, _describe(error)))
        self.span.end()

    def cancel(self) -> None:
        """End the span as cancelled: it did not complete, and nothing failed."""
        if self.ended:
            return
        self.ended = True
        self.span.set_attribute(conv.ERROR_TYPE, conv.ERROR_TYPE_CANCELLED)
        self.span.set_status(Status(StatusCode.ERROR, "cancelled"))
        self.span.end()


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__

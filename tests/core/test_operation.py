"""Span lifecycle: every operation ends exactly once, as success, failure or
cancellation."""

from __future__ import annotations

import asyncio

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from otelscope.core.operation import Operation, error_type_of


class LibraryError(Exception):
    pass


def make() -> tuple[Operation, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Operation(provider.get_tracer("t").start_span("op")), exporter


def test_stop_ends_once_and_later_endings_do_nothing() -> None:
    operation, exporter = make()
    operation.stop()
    operation.fail(ValueError("late"))
    operation.cancel()
    operation.stop()
    [span] = exporter.get_finished_spans()
    assert span.status.status_code == StatusCode.UNSET
    assert dict(span.attributes) == {}
    assert span.events == ()


def test_fail_records_type_status_and_one_exception_event() -> None:
    operation, exporter = make()
    operation.fail(ValueError("boom"))
    operation.fail(ValueError("again"))
    [span] = exporter.get_finished_spans()
    assert span.status.status_code == StatusCode.ERROR
    assert span.status.description == "ValueError: boom"
    assert dict(span.attributes) == {"error.type": "ValueError"}
    assert [event.name for event in span.events] == ["exception"]


def test_cancel_is_distinct_from_failure() -> None:
    operation, exporter = make()
    operation.fail(asyncio.CancelledError())
    [span] = exporter.get_finished_spans()
    assert span.status.status_code == StatusCode.ERROR
    assert span.status.description == "cancelled"
    assert dict(span.attributes) == {"error.type": "cancelled"}
    assert span.events == ()


def test_set_skips_unknown_values_and_ended_spans() -> None:
    operation, exporter = make()
    operation.set("kept", 1)
    operation.set("unknown", None)
    operation.stop()
    operation.set("late", 2)
    [span] = exporter.get_finished_spans()
    assert dict(span.attributes) == {"kept": 1}


def test_error_type_is_the_qualified_class_name() -> None:
    assert error_type_of(KeyError("k")) == "KeyError"
    assert error_type_of(LibraryError()) == f"{__name__}.LibraryError"
    assert error_type_of(TimeoutError()) == "TimeoutError"
    assert error_type_of(asyncio.CancelledError()) == "cancelled"

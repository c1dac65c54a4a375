"""Fixtures shared by both AgentScope lines: a private tracer provider per
test, otelscope instrumented against it, and strict mode."""

from __future__ import annotations

import os
from collections.abc import Iterator

os.environ.setdefault("AGENTSCOPE_DISABLE_CONSOLE_OUTPUT", "true")

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otelscope import AgentScopeInstrumentor
from otelscope.core import guard

guard.set_strict(True)


class Traced:
    """A tracer provider with an in-memory exporter, and otelscope on it."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.instrumentor = AgentScopeInstrumentor()

    def spans(self):
        return list(self.exporter.get_finished_spans())


@pytest.fixture
def traced() -> Iterator[Traced]:
    state = Traced()
    state.instrumentor.instrument(tracer_provider=state.provider)
    try:
        yield state
    finally:
        state.instrumentor.uninstrument()


@pytest.fixture(autouse=True)
def no_internal_errors() -> Iterator[None]:
    """Strict mode: an error inside otelscope fails the test that caused it."""
    guard.take_internal_errors()
    yield
    errors = guard.take_internal_errors()
    assert errors == [], f"otelscope internal errors: {errors!r}"

"""A store with two known traces, written through the real store exporter,
with fixed ids and times so that what ``otelscope show`` prints is exact."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import SpanKind, Status, StatusCode

from otelscope.store import LocalStoreSpanExporter

WEATHER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
FAILED_TRACE = "4bf9e1c2d3a4b5c6d7e8f90a1b2c3d4e"
# 2025-01-02 03:04:05 UTC
T0 = 1_735_787_045_000_000_000
MS = 1_000_000


class _FixedIds(IdGenerator):
    def __init__(self) -> None:
        self._traces: Iterator[int] = iter(int(t, 16) for t in (WEATHER_TRACE, FAILED_TRACE))
        self._next_span = 0

    def generate_trace_id(self) -> int:
        return next(self._traces)

    def generate_span_id(self) -> int:
        self._next_span += 1
        return self._next_span


def write_store(directory: Path) -> None:
    """Both traces in one line of ``directory/traces.jsonl``."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource({"service.name": "shop"}), id_generator=_FixedIds())
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("tests")
    _weather_call(tracer)
    _failed_call(tracer)
    provider.shutdown()
    LocalStoreSpanExporter(directory).export(memory.get_finished_spans())


def _span(tracer, name, parent, times_ms, attributes, *, error=None, base=T0):
    start_ms, end_ms = times_ms
    context = trace.set_span_in_context(parent) if parent is not None else None
    kind = SpanKind.CLIENT if name.startswith("chat") else SpanKind.INTERNAL
    span = tracer.start_span(
        name, context, kind, attributes=attributes, start_time=base + start_ms * MS
    )
    if error is not None:
        span.set_attribute("error.type", "builtins.ValueError")
        span.set_status(Status(StatusCode.ERROR, error))
    return span, base + end_ms * MS


def _weather_call(tracer) -> None:
    agent, agent_end = _span(
        tracer,
        "invoke_agent Friday",
        None,
        (0, 50),
        {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.request.model": "gpt-4o",
            "otelscope.usage.input_tokens": 24,
            "otelscope.usage.output_tokens": 8,
        },
    )
    step, step_end = _span(
        tracer,
        "react step",
        agent,
        (1, 40),
        {
            "gen_ai.operation.name": "react",
            "gen_ai.react.round": 1,
            "gen_ai.react.finish_reason": "tool_calls",
        },
    )
    chat, chat_end = _span(
        tracer,
        "chat gpt-4o",
        step,
        (2, 12),
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.input_tokens": 24,
            "gen_ai.usage.output_tokens": 8,
            "gen_ai.response.finish_reasons": ("tool_calls",),
        },
    )
    tool, tool_end = _span(
        tracer,
        "execute_tool get_weather",
        step,
        (13, 38),
        {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather"},
    )
    for span, end in ((chat, chat_end), (tool, tool_end), (step, step_end), (agent, agent_end)):
        span.end(end_time=end)


def _failed_call(tracer) -> None:
    later = T0 + 60_000 * MS
    agent, agent_end = _span(
        tracer,
        "invoke_agent Friday",
        None,
        (0, 1500),
        {"gen_ai.operation.name": "invoke_agent"},
        error="boom",
        base=later,
    )
    chat, chat_end = _span(
        tracer,
        "chat gpt-4o",
        agent,
        (5, 1400),
        {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"},
        error="boom",
        base=later,
    )
    chat.end(end_time=chat_end)
    agent.end(end_time=agent_end)

"""Spans with known prices, as records and as a store written by the real exporter.

Three traces (fixed ids and times), two conversations, nested agents:

- A (T0): ``Planner`` (conversation ``conv-1``) calls gpt-4o (answered by
  gpt-4o-2024-08-06: 1000 tokens in, 400 of them cached, 200 out: $0.004), then
  a tool that calls the agent ``Searcher``, which calls Claude Sonnet 4.5 (3000
  in, 2000 read from the cache and 500 written to it, 100 out: $0.005475) and
  an unpriced ``scripted-model``;
- B (T0 + 60 s): ``Planner`` fails, its gpt-4o call with it (no usage: unknown);
- C (T0 + 120 s): ``Searcher`` (conversation ``conv-2``) calls deepseek-chat
  (10000 in, 8000 cached, 1000 out: $0.001204).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import SpanKind, Status, StatusCode

from otelscope.store import LocalStoreSpanExporter

TRACE_A = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
TRACE_B = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
TRACE_C = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"
# 2025-01-02 03:04:05 UTC
T0 = 1_735_787_045_000_000_000
MS = 1_000_000
SECOND = 1000 * MS

GPT_4O = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o",
    "gen_ai.response.model": "gpt-4o-2024-08-06",
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.cache_read.input_tokens": 400,
    "gen_ai.usage.output_tokens": 200,
}
SONNET = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "anthropic",
    "gen_ai.request.model": "claude-sonnet-4-5",
    "gen_ai.response.model": "claude-sonnet-4-5-20250929",
    "gen_ai.usage.input_tokens": 3000,
    "gen_ai.usage.cache_read.input_tokens": 2000,
    "gen_ai.usage.cache_creation.input_tokens": 500,
    "gen_ai.usage.output_tokens": 100,
}
SCRIPTED = {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "scripted-model",
    "gen_ai.usage.input_tokens": 10,
    "gen_ai.usage.output_tokens": 5,
}
FAILED_GPT_4O = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o",
}
DEEPSEEK = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "deepseek",
    "gen_ai.request.model": "deepseek-chat",
    "gen_ai.response.model": "deepseek-chat",
    "gen_ai.usage.input_tokens": 10_000,
    "gen_ai.usage.cache_read.input_tokens": 8000,
    "gen_ai.usage.output_tokens": 1000,
}


def agent(name: str, conversation: str) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": name,
        "gen_ai.conversation.id": conversation,
    }


def in_conversation(attributes: Mapping[str, Any], conversation: str) -> dict[str, Any]:
    return {**attributes, "gen_ai.conversation.id": conversation}


class _FixedIds(IdGenerator):
    def __init__(self, trace_ids: list[str]) -> None:
        self._traces: Iterator[int] = iter(int(t, 16) for t in trace_ids)
        self._next_span = 0

    def generate_trace_id(self) -> int:
        return next(self._traces)

    def generate_span_id(self) -> int:
        self._next_span += 1
        return self._next_span


class _Recorder:
    def __init__(self, tracer: trace.Tracer, base: int) -> None:
        self._tracer = tracer
        self._base = base
        self._ends: list[tuple[trace.Span, int]] = []

    def span(
        self,
        name: str,
        parent: trace.Span | None,
        times_ms: tuple[int, int],
        attributes: Mapping[str, Any],
        *,
        error: str | None = None,
    ) -> trace.Span:
        context = trace.set_span_in_context(parent) if parent is not None else None
        kind = SpanKind.CLIENT if name.startswith("chat") else SpanKind.INTERNAL
        start_ms, end_ms = times_ms
        span = self._tracer.start_span(
            name, context, kind, attributes=dict(attributes), start_time=self._base + start_ms * MS
        )
        if error is not None:
            span.set_attribute("error.type", "builtins.ValueError")
            span.set_status(Status(StatusCode.ERROR, error))
        self._ends.append((span, self._base + end_ms * MS))
        return span

    def end_all(self) -> None:
        # Children first, as a real run ends them.
        for span, end in reversed(self._ends):
            span.end(end_time=end)


def record(provider: TracerProvider, base: int = T0) -> None:
    """The three traces, A at ``base``, B a minute later, C two minutes later."""
    tracer = provider.get_tracer("tests")
    a = _Recorder(tracer, base)
    planner = a.span("invoke_agent Planner", None, (0, 100), agent("Planner", "conv-1"))
    a.span("chat gpt-4o", planner, (1, 21), in_conversation(GPT_4O, "conv-1"))
    tool = a.span("execute_tool ask", planner, (22, 95), {"gen_ai.operation.name": "execute_tool"})
    searcher = a.span("invoke_agent Searcher", tool, (25, 90), agent("Searcher", "conv-1"))
    a.span("chat claude-sonnet-4-5", searcher, (26, 56), in_conversation(SONNET, "conv-1"))
    a.span("chat scripted-model", searcher, (57, 60), in_conversation(SCRIPTED, "conv-1"))
    a.end_all()

    b = _Recorder(tracer, base + 60 * SECOND)
    failed = b.span(
        "invoke_agent Planner", None, (0, 1500), agent("Planner", "conv-1"), error="boom"
    )
    b.span("chat gpt-4o", failed, (5, 1400), in_conversation(FAILED_GPT_4O, "conv-1"), error="boom")
    b.end_all()

    c = _Recorder(tracer, base + 120 * SECOND)
    searcher = c.span("invoke_agent Searcher", None, (0, 30), agent("Searcher", "conv-2"))
    c.span("chat deepseek-chat", searcher, (1, 29), in_conversation(DEEPSEEK, "conv-2"))
    c.end_all()


def write_store(directory: Path, base: int = T0) -> None:
    """The three traces, in ``directory`` (a store), through the real exporter."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(
        resource=Resource({"service.name": "shop"}),
        id_generator=_FixedIds([TRACE_A, TRACE_B, TRACE_C]),
    )
    provider.add_span_processor(SimpleSpanProcessor(memory))
    record(provider, base)
    provider.shutdown()
    LocalStoreSpanExporter(directory).export(memory.get_finished_spans())

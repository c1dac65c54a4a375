"""Spans with fixed ids and times for the store tests."""

from __future__ import annotations

from collections.abc import Iterator

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags

T0 = 1_700_000_000_000_000_000
TRACE_A = 0x0AF7651916CD43DD8448EB211C80319C
TRACE_B = 0x4BF92F3577B34DA6A3CE929D0E0E4736
TRACE_A_HEX = "0af7651916cd43dd8448eb211c80319c"
TRACE_B_HEX = "4bf92f3577b34da6a3ce929d0e0e4736"
REMOTE_PARENT = 0x00F067AA0BA902B7
LINKED_SPAN = 0x53995C3F42CD8AD8

RESOURCE = Resource(
    {"service.name": "shop", "service.instance.id": "i-1", "deployment.replicas": 3},
    schema_url="https://opentelemetry.io/schemas/1.37.0",
)
SCOPE_NAME = "otelscope"
SCOPE_VERSION = "0.4.0"

# Every attribute type the SDK accepts, edge values included.
ALL_TYPES = {
    "text": "héllo, 世界",
    "empty.text": "",
    "flag.on": True,
    "flag.off": False,
    "count": 42,
    "negative": -7,
    "big": 2**62,
    "zero": 0,
    "ratio": 0.25,
    "whole.float": 3.0,
    "texts": ("a", "b"),
    "counts": (1, -2, 3),
    "ratios": (1.5, -0.5),
    "flags": (True, False),
    "nothing": (),
}


class SequentialIds(IdGenerator):
    """Trace ids from a fixed list; span ids 1, 2, 3, ..."""

    def __init__(self, trace_ids: list[int]) -> None:
        self._trace_ids: Iterator[int] = iter(trace_ids)
        self._next_span_id = 0

    def generate_trace_id(self) -> int:
        return next(self._trace_ids)

    def generate_span_id(self) -> int:
        self._next_span_id += 1
        return self._next_span_id


def provider_exporting_to(exporter: SpanExporter) -> TracerProvider:
    provider = TracerProvider(resource=RESOURCE, id_generator=SequentialIds([TRACE_A, TRACE_B]))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def record_scenario(provider: TracerProvider) -> None:
    """Two traces: an agent call with a failing chat, and a remote-parented job.

    Spans get ids 1..5 in start order and end in the order 2, 3, 4, 1, 5.
    """
    tracer = provider.get_tracer(
        SCOPE_NAME, SCOPE_VERSION, schema_url="https://x.test/s", attributes={"scope.tag": "t"}
    )
    other = provider.get_tracer("other.library")
    root = tracer.start_span("invoke_agent Friday", start_time=T0, attributes=ALL_TYPES)
    root_context = trace.set_span_in_context(root)
    chat = tracer.start_span(
        "chat gpt-4o",
        context=root_context,
        kind=SpanKind.CLIENT,
        start_time=T0 + 1_000,
        attributes={"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 12},
        links=[Link(SpanContext(TRACE_B, LINKED_SPAN, is_remote=True), {"link.why": "retry"})],
    )
    chat.add_event("gen_ai.choice", {"index": 0, "finish": "stop"}, timestamp=T0 + 1_500)
    chat.add_event("retrying", timestamp=T0 + 1_600)
    chat.set_status(Status(StatusCode.ERROR, "rate limited"))
    chat.end(end_time=T0 + 2_000)
    for offset, kind in ((3_000, SpanKind.SERVER), (4_000, SpanKind.PRODUCER)):
        other.start_span(
            f"{kind.name.lower()} work", context=root_context, kind=kind, start_time=T0 + offset
        ).end(end_time=T0 + offset + 500)
    root.set_status(Status(StatusCode.OK))
    root.end(end_time=T0 + 9_000)
    remote = SpanContext(TRACE_B, REMOTE_PARENT, is_remote=True, trace_flags=TraceFlags(1))
    job = tracer.start_span(
        "consume job",
        context=trace.set_span_in_context(trace.NonRecordingSpan(remote)),
        kind=SpanKind.CONSUMER,
        start_time=T0 + 20_000,
    )
    job.end(end_time=T0 + 25_000)


def plain_span(
    trace_id: int,
    span_id: int,
    name: str = "work",
    attributes: dict | None = None,
    *,
    service: str = "writer",
    parent_id: int | None = None,
) -> ReadableSpan:
    """A finished span built directly, for tests that only count and order spans."""
    parent = None
    if parent_id is not None:
        parent = SpanContext(trace_id, parent_id, is_remote=True, trace_flags=TraceFlags(1))
    return ReadableSpan(
        name=name,
        context=SpanContext(trace_id, span_id, is_remote=False, trace_flags=TraceFlags(1)),
        parent=parent,
        resource=Resource({"service.name": service}),
        instrumentation_scope=InstrumentationScope("test"),
        attributes=attributes,
        start_time=T0 + span_id,
        end_time=T0 + span_id + 10,
    )

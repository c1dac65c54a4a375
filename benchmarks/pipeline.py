"""The telemetry pipeline every configuration of the benchmark shares.

Spans go through a ``SimpleSpanProcessor`` to an exporter that counts and
drops them, so no exporter's cost is measured; metrics go to a real SDK
``MeterProvider`` with an ``InMemoryMetricReader`` that is never collected,
as an application with a pull reader has between scrapes. Both are also the
global providers, because AgentScope's own tracing and some peers only use
the global ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

METRICS_SET_UP = "SDK MeterProvider + InMemoryMetricReader (never collected)"
SPANS_SET_UP = "SDK TracerProvider + SimpleSpanProcessor + exporter that drops every span"


class DroppingExporter(SpanExporter):
    """Counts the spans it is given and keeps none, unless asked to keep them
    for one probe call (to learn the shape of a configuration's spans)."""

    def __init__(self) -> None:
        self.exported = 0
        self.kept: list[ReadableSpan] | None = None

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.exported += len(spans)
        if self.kept is not None:
            self.kept.extend(spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


class Pipeline:
    def __init__(self) -> None:
        self.exporter = DroppingExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])

    def install_globally(self) -> None:
        trace.set_tracer_provider(self.tracer_provider)
        metrics.set_meter_provider(self.meter_provider)

    def providers(self) -> dict[str, Any]:
        return {"tracer_provider": self.tracer_provider, "meter_provider": self.meter_provider}

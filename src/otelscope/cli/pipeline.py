"""The OpenTelemetry SDK pipeline an ``ExportPlan`` describes.

Every exporter is wrapped in a ``WatchedExporter`` that remembers failed
exports, so that a program whose backend refused its spans hears it once in
plain words at exit instead of only in the SDK's log lines.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

from otelscope.cli.export_plan import GRPC, ExportPlan, OtlpTarget


class WatchedExporter(SpanExporter):
    """Passes spans on and counts those that could not be delivered."""

    def __init__(self, inner: SpanExporter, destination: str) -> None:
        self._inner = inner
        self.destination = destination
        self.failed_spans = 0
        self.first_error = ""
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            result = self._inner.export(spans)
        except Exception as error:  # an exporter's bug must not reach the program
            self._record_failure(len(spans), f"{type(error).__name__}: {error}")
            return SpanExportResult.FAILURE
        if result is not SpanExportResult.SUCCESS:
            self._record_failure(len(spans), "")
        return result

    def _record_failure(self, count: int, error: str) -> None:
        with self._lock:
            self.failed_spans += count
            self.first_error = self.first_error or error

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self._inner.force_flush(timeout_millis)

    def problem(self) -> str | None:
        """A sentence for the user if any span was lost, else None."""
        if not self.failed_spans:
            return None
        noun = "span" if self.failed_spans == 1 else "spans"
        reason = f" ({self.first_error})" if self.first_error else ""
        return f"could not export {self.failed_spans} {noun} to {self.destination}{reason}"


@dataclass
class Pipeline:
    tracer_provider: TracerProvider
    meter_provider: MeterProvider | None
    exporters: list[WatchedExporter] = field(default_factory=list)

    def shutdown(self) -> list[str]:
        """Flush and stop everything; returns one sentence per destination that lost spans."""
        self.tracer_provider.shutdown()
        if self.meter_provider is not None:
            self.meter_provider.shutdown()
        return [problem for exporter in self.exporters if (problem := exporter.problem())]


def build_pipeline(
    plan: ExportPlan,
    default_service_name: str,
    extra: Sequence[SpanProcessor] = (),
    *,
    console: TextIO | None = None,
) -> Pipeline:
    """Providers exporting where ``plan`` says, plus the ``extra`` span processors.

    The console exporters write to ``console``, standard output by default.
    """
    resource = service_resource(default_service_name)
    out = console or sys.stdout
    # The caller flushes at the moment it chooses (before reporting counts).
    tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    pipeline = Pipeline(tracer_provider, _meter_provider(plan, resource, out))
    for exporter in _span_exporters(plan):
        pipeline.exporters.append(exporter)
        tracer_provider.add_span_processor(BatchSpanProcessor(exporter))
    if plan.console:
        tracer_provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=out)))
    for processor in extra:
        tracer_provider.add_span_processor(processor)
    return pipeline


def service_resource(default_service_name: str) -> Resource:
    """The resource from ``OTEL_SERVICE_NAME`` / ``OTEL_RESOURCE_ATTRIBUTES``,
    with ``default_service_name`` when neither names the service."""
    detected = Resource.create()
    if str(detected.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        return detected.merge(Resource({SERVICE_NAME: default_service_name}))
    return detected


def _span_exporters(plan: ExportPlan) -> list[WatchedExporter]:
    exporters: list[WatchedExporter] = []
    if plan.store_dir is not None:
        from otelscope.store import LocalStoreSpanExporter

        store = LocalStoreSpanExporter(plan.store_dir)
        exporters.append(WatchedExporter(store, f"the local store {plan.store_dir}"))
    if plan.otlp is not None:
        exporters.append(WatchedExporter(_otlp_span_exporter(plan.otlp), _describe(plan.otlp)))
    return exporters


def _describe(target: OtlpTarget) -> str:
    return f"{target.endpoint} (OTLP {target.protocol})"


def _otlp_span_exporter(target: OtlpTarget) -> SpanExporter:
    # Both exporters read the endpoint, headers, timeout and TLS settings from
    # the standard variables themselves.
    if target.protocol == GRPC:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcSpanExporter,
        )

        return GrpcSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpSpanExporter,
    )

    return HttpSpanExporter()


def _meter_provider(plan: ExportPlan, resource: Resource, out: TextIO) -> MeterProvider | None:
    exporters: list[MetricExporter] = []
    if plan.metrics_otlp is not None:
        exporters.append(_otlp_metric_exporter(plan.metrics_otlp))
    if plan.metrics_console:
        exporters.append(ConsoleMetricExporter(out=out))
    if not exporters:
        return None
    readers: list[MetricReader] = [PeriodicExportingMetricReader(e) for e in exporters]
    return MeterProvider(resource=resource, metric_readers=readers, shutdown_on_exit=False)


def _otlp_metric_exporter(target: OtlpTarget) -> MetricExporter:
    if target.protocol == GRPC:
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
            OTLPMetricExporter as GrpcMetricExporter,
        )

        return GrpcMetricExporter()
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
        OTLPMetricExporter as HttpMetricExporter,
    )

    return HttpMetricExporter()

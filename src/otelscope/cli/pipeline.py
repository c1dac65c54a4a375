"""The OpenTelemetry SDK pipeline an ``ExportPlan`` describes.

Every exporter is wrapped in a ``WatchedExporter`` that counts the spans each
destination took and refused, so that the summary says where spans went and
what failed, as it happened, instead of leaving it to the SDK's log lines.

Only what the plan asks for is imported: the metrics SDK and each OTLP
exporter (the gRPC one takes a quarter of a second) load when they are used,
so a process of ``otelscope run`` that exports to the store alone starts fast.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

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
from otelscope.cli.run_report import CONSOLE, OTLP, STORE, Delivery

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import MetricExporter

# Told what each export delivered or lost, as it happens.
ExportListener = Callable[[Delivery], None]


class WatchedExporter(SpanExporter):
    """Passes spans on and counts those delivered and those that could not be."""

    def __init__(
        self,
        inner: SpanExporter,
        destination: Delivery,
        description: str,
        listener: ExportListener | None = None,
    ) -> None:
        self._inner = inner
        self.description = description
        self._listener = listener
        # Everything so far; its trace ids are those already passed on.
        self.total = destination
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            result = self._inner.export(spans)
            error = ""
        except Exception as failure:  # an exporter's bug must not reach the program
            result = SpanExportResult.FAILURE
            error = f"{type(failure).__name__}: {failure}"
        self._record(spans, delivered=result is SpanExportResult.SUCCESS, error=error)
        return result

    def _record(self, spans: Sequence[ReadableSpan], *, delivered: bool, error: str) -> None:
        step = Delivery(*self.total.key)
        if delivered:
            step.exported = len(spans)
            step.trace_ids = _trace_ids(spans)
        else:
            step.failed = len(spans)
            step.error = error
        with self._lock:
            # Each trace is passed on once, however many batches it spans.
            step.trace_ids -= self.total.trace_ids
            self.total.add(step)
        if self._listener is not None:
            self._listener(step)

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self._inner.force_flush(timeout_millis)

    def problem(self) -> str | None:
        """A sentence for the user if any span was lost, else None."""
        failed = self.total.failed
        if not failed:
            return None
        noun = "span" if failed == 1 else "spans"
        reason = f" ({self.total.error})" if self.total.error else ""
        return f"could not export {failed} {noun} to {self.description}{reason}"


def _trace_ids(spans: Sequence[ReadableSpan]) -> set[str]:
    return {f"{span.context.trace_id:032x}" for span in spans if span.context is not None}


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
    listener: ExportListener | None = None,
) -> Pipeline:
    """Providers exporting where ``plan`` says, plus the ``extra`` span processors.

    The console exporters write to ``console``, standard output by default.
    ``listener`` hears what each export delivered or lost.
    """
    resource = service_resource(default_service_name)
    out = console or sys.stdout
    # The caller flushes at the moment it chooses (before reporting counts).
    tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    pipeline = Pipeline(tracer_provider, _meter_provider(plan, resource, out))
    for exporter in _span_exporters(plan, listener):
        pipeline.exporters.append(exporter)
        tracer_provider.add_span_processor(BatchSpanProcessor(exporter))
    if plan.console:
        printer = _console_exporter(out, listener)
        pipeline.exporters.append(printer)
        tracer_provider.add_span_processor(SimpleSpanProcessor(printer))
    for processor in extra:
        tracer_provider.add_span_processor(processor)
    return pipeline


def console_target(out: TextIO) -> str:
    """The console destination's name: where its spans are printed."""
    return "stderr" if out is sys.stderr else "stdout"


def service_resource(default_service_name: str) -> Resource:
    """The resource from ``OTEL_SERVICE_NAME`` / ``OTEL_RESOURCE_ATTRIBUTES``,
    with ``default_service_name`` when neither names the service."""
    detected = Resource.create()
    if str(detected.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        return detected.merge(Resource({SERVICE_NAME: default_service_name}))
    return detected


def _span_exporters(plan: ExportPlan, listener: ExportListener | None) -> list[WatchedExporter]:
    exporters: list[WatchedExporter] = []
    if plan.store_dir is not None:
        from otelscope.store.exporter import LocalStoreSpanExporter

        store = LocalStoreSpanExporter(plan.store_dir)
        destination = Delivery(STORE, str(plan.store_dir))
        description = f"the local store {plan.store_dir}"
        exporters.append(WatchedExporter(store, destination, description, listener))
    if plan.otlp is not None:
        target = plan.otlp.description
        otlp = _otlp_span_exporter(plan.otlp)
        exporters.append(WatchedExporter(otlp, Delivery(OTLP, target), target, listener))
    return exporters


def _console_exporter(out: TextIO, listener: ExportListener | None) -> WatchedExporter:
    target = console_target(out)
    destination = Delivery(CONSOLE, target)
    return WatchedExporter(ConsoleSpanExporter(out=out), destination, target, listener)


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
    if plan.metrics_otlp is None and not plan.metrics_console:
        return None
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import (
        ConsoleMetricExporter,
        MetricReader,
        PeriodicExportingMetricReader,
    )

    exporters: list[MetricExporter] = []
    if plan.metrics_otlp is not None:
        exporters.append(_otlp_metric_exporter(plan.metrics_otlp))
    if plan.metrics_console:
        exporters.append(ConsoleMetricExporter(out=out))
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

"""CPU cost of one chat span: bare OpenTelemetry SDK vs opentelemetry-util-genai.

The figures behind the decision in docs/design.md. Run with ``make
bench-util-genai`` (it installs the pre-release helper into its own venv).
Blocks of each variant are interleaved, order rotated, so drift cancels out.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from importlib.metadata import version

from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from opentelemetry.util.genai.handler import TelemetryHandler

ATTRIBUTES = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "server.address": "api.openai.com",
    "server.port": 443,
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.usage.input_tokens": 123,
    "gen_ai.usage.output_tokens": 45,
}


def main(blocks: int = 20, iterations: int = 2000) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("bench")
    reader = InMemoryMetricReader()
    handlers = {
        "util-genai, no-op metrics": TelemetryHandler(
            tracer_provider=provider, meter_provider=NoOpMeterProvider()
        ),
        "util-genai, SDK metrics": TelemetryHandler(
            tracer_provider=provider, meter_provider=MeterProvider(metric_readers=[reader])
        ),
    }

    def bare() -> None:
        span = tracer.start_span("chat gpt-4o-mini", kind=SpanKind.CLIENT, attributes=ATTRIBUTES)
        span.end()

    def through(handler: TelemetryHandler) -> Callable[[], None]:
        def once() -> None:
            invocation = handler.inference(
                "openai",
                request_model="gpt-4o-mini",
                server_address="api.openai.com",
                server_port=443,
            )
            invocation.response_model_name = "gpt-4o-mini-2024-07-18"
            invocation.input_tokens = 123
            invocation.output_tokens = 45
            invocation.stop()

        return once

    variants = {"bare SDK": bare} | {name: through(h) for name, h in handlers.items()}
    names = list(variants)
    costs: dict[str, list[float]] = {name: [] for name in names}
    for block in range(blocks):
        for name in names[block % len(names) :] + names[: block % len(names)]:
            gc.collect()
            started = time.process_time()
            for _ in range(iterations):
                variants[name]()
            costs[name].append((time.process_time() - started) / iterations * 1e6)
            assert len(exporter.get_finished_spans()) == iterations
            exporter.clear()
    print(
        f"opentelemetry-util-genai {version('opentelemetry-util-genai')}, "
        f"opentelemetry-sdk {version('opentelemetry-sdk')}"
    )
    print(f"CPU µs per chat span, median of {blocks} blocks x {iterations}:")
    floor = statistics.median(costs["bare SDK"])
    for name in names:
        median = statistics.median(costs[name])
        print(f"  {name:28s} {median:7.1f}  ({median / floor:.2f}x bare)")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))

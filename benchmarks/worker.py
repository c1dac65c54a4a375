"""One configuration of the benchmark in its own process: ``python -m benchmarks.worker NAME``.

It sets the configuration up, then answers one JSON command per line on stdin with one JSON
line on the stdout it had at start (whatever AgentScope or a peer prints goes to stderr):
``probe`` (one call: its span tree and metric points, ``benchmarks.floor``), ``block`` (N calls:
their process CPU and spans exported) and ``floor`` (N bare-SDK replays of a span tree and
metric points on this process's providers).

Spans go to an SDK ``TracerProvider`` with a ``BatchSpanProcessor`` and an exporter that drops
them, flushed at the end of every timed block and floor, inside the timing. No meter provider
is set, except in ``otelscope-metrics``: an SDK ``MeterProvider`` with an
``InMemoryMetricReader`` read only around probe calls, as a pull reader between scrapes.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
from collections.abc import Sequence
from contextlib import suppress
from importlib import import_module, metadata
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, DEFAULT_ON

from benchmarks import floor

# Per scenario: agents, each with a call at once, and whether the model streams.
SCENARIOS = {"sequential": (1, False), "overlapping": (16, False), "streaming": (1, True)}
PACKAGES = ("agentscope", "opentelemetry-sdk", "otelscope")
PEERS = ("loongsuite-instrumentation-agentscope", "tencentcloud-agentobs-sdk-agentscope")


class DroppingExporter(SpanExporter):
    """Counts the spans it is given and keeps them only while ``kept`` is a list."""

    def __init__(self) -> None:
        self.exported = 0
        self.kept: list[ReadableSpan] | None = None

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.exported += len(spans)
        if self.kept is not None:
            self.kept.extend(spans)
        return SpanExportResult.SUCCESS


class Worker:
    def __init__(self, name: str) -> None:
        self.exporter = DroppingExporter()
        sampler = ALWAYS_OFF if name == "otelscope-sampled-out" else DEFAULT_ON
        self.tracer_provider = TracerProvider(sampler=sampler)
        self.tracer_provider.add_span_processor(BatchSpanProcessor(self.exporter))
        # Some peers only use the global provider.
        trace.set_tracer_provider(self.tracer_provider)
        self.reader: InMemoryMetricReader | None = None
        self.meter_provider: MeterProvider | None = None
        if name == "otelscope-metrics":
            self.reader = InMemoryMetricReader()
            self.meter_provider = MeterProvider(metric_readers=[self.reader])
            metrics.set_meter_provider(self.meter_provider)
        major = int(metadata.version("agentscope").split(".", 1)[0])
        self.workload_module = import_module(f"benchmarks.workload_v{major}")
        self._instrument(name)
        self.loop = asyncio.new_event_loop()
        self.workloads: dict[str, Any] = {}
        self.histograms: dict[str, Any] = {}

    def _instrument(self, name: str) -> None:
        provider = self.tracer_provider
        if name == "bare-spans":
            from benchmarks import bare_spans

            given = json.loads(os.environ["BENCH_SPAN_ATTRIBUTES"])
            attributes = {kind: floor.tuples(found) for kind, found in given.items()}
            model = self.workload_module.ScriptedModel
            bare_spans.install(provider.get_tracer("bare-spans"), model, attributes)
        elif name.startswith("otelscope"):
            from otelscope import AgentScopeInstrumentor

            # No meter provider given: the global one, which is set only for -metrics.
            AgentScopeInstrumentor().instrument(
                tracer_provider=provider, capture_content="NO_CONTENT"
            )
        elif name == "loongsuite":
            from opentelemetry.instrumentation.agentscope import AgentScopeInstrumentor

            AgentScopeInstrumentor().instrument(tracer_provider=provider)
        elif name == "agentobs":
            # Its instrumentor alone: init() would add a console or CLS exporter.
            from tencentcloud_agentobs_sdk_agentscope import AgentScopeInstrumentor

            AgentScopeInstrumentor().instrument(tracer_provider=provider)
        elif name != "baseline":
            raise ValueError(f"unknown configuration {name!r}")

    def workload(self, scenario: str) -> Any:
        # Built after instrumenting: some peers patch constructors.
        if scenario not in self.workloads:
            self.workloads[scenario] = self.workload_module.Workload(*SCENARIOS[scenario])
        return self.workloads[scenario]

    async def _calls(self, scenario: str, calls: int) -> None:
        workload, at_once = self.workload(scenario), SCENARIOS[scenario][0]
        for _ in range(calls // at_once):
            await asyncio.gather(*(workload.call(index) for index in range(at_once)))

    def probe(self, scenario: str) -> dict[str, Any]:
        before = floor.points_of(self.reader)
        self.exporter.kept = []
        reply = self.loop.run_until_complete(self.workload(scenario).call(0))
        self.tracer_provider.force_flush()
        spans, self.exporter.kept = self.exporter.kept, None
        module = self.workload_module
        return {
            "shape": floor.shape_of(spans),
            "points": floor.new_points(before, floor.points_of(self.reader)),
            "answered": module.answer_of(reply) == module.ANSWER,
        }

    def block(self, scenario: str, calls: int) -> dict[str, Any]:
        exported = self.exporter.exported
        _settle()
        started = time.process_time()
        self.loop.run_until_complete(self._calls(scenario, calls))
        self.tracer_provider.force_flush()
        cpu = time.process_time() - started
        return {"cpu": cpu, "calls": calls, "spans": self.exporter.exported - exported}

    def floor(self, calls: int, shape: floor.Shape, points: list[Any]) -> dict[str, Any]:
        roots = floor.prepare(shape, points, self._histogram)
        tracer = self.tracer_provider.get_tracer(floor.FLOOR_METER)
        _settle()
        started = time.process_time()
        for _ in range(calls):
            floor.replay(tracer, roots)
        self.tracer_provider.force_flush()
        return {"cpu": time.process_time() - started, "calls": calls}

    def _histogram(self, name: str, unit: str, bounds: list[float]) -> Any:
        key = json.dumps([name, unit, bounds])
        if key not in self.histograms:
            assert self.meter_provider is not None, "metric points, but no meter provider"
            meter = self.meter_provider.get_meter(floor.FLOOR_METER)
            histogram = meter.create_histogram(
                name, unit=unit, explicit_bucket_boundaries_advisory=bounds
            )
            self.histograms[key] = histogram.record
        return self.histograms[key]


def _settle() -> None:
    """Collect, then freeze what is left: a block's collections, part of its cost, then walk
    only what the block made, and this takes a millisecond, not the 80 ms of a full collection
    of the start-up heap."""
    gc.collect()
    gc.freeze()


def main() -> None:
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    # Anything printed from here on goes to stderr, away from the answers.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    worker = Worker(sys.argv[1])
    versions = {}
    for package in PACKAGES + PEERS:
        with suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    answers.write(json.dumps({"ready": versions}) + "\n")
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "quit":
            break
        # probe(scenario), block(scenario, calls) or floor(calls, shape, points).
        answer = getattr(worker, command.pop("op"))(**command)
        answers.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()

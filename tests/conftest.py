"""Fixtures shared by both AgentScope lines: a private tracer provider per
test, otelscope instrumented against it, and strict mode."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

os.environ.setdefault("AGENTSCOPE_DISABLE_CONSOLE_OUTPUT", "true")

import pytest
from hypothesis import HealthCheck, settings
from opentelemetry.sdk.metrics import AlwaysOffExemplarFilter, MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Sampler

from otelscope import AgentScopeInstrumentor
from otelscope.core import guard

guard.set_strict(True)

# Generated scenarios: a bounded, reproducible number in `make test` (the same
# examples every run, so CI does not flake on a new one); `make soak` draws
# many more, at random. OTELSCOPE_SCENARIOS overrides either count.
_SCENARIO_PROFILES = {"ci": (300, True), "soak": (5000, False)}
for _name, (_examples, _fixed) in _SCENARIO_PROFILES.items():
    settings.register_profile(
        _name,
        max_examples=int(os.environ.get("OTELSCOPE_SCENARIOS", _examples)),
        derandomize=_fixed,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
settings.load_profile(os.environ.get("OTELSCOPE_HYPOTHESIS_PROFILE", "ci"))


class Traced:
    """Tracer and meter providers with in-memory readers, and otelscope on them."""

    def __init__(self, exemplars: bool = True, sampler: Sampler | None = None) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider(sampler=sampler)
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.metric_reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(
            metric_readers=[self.metric_reader],
            exemplar_filter=None if exemplars else AlwaysOffExemplarFilter(),
        )
        self.instrumentor = AgentScopeInstrumentor()

    def instrument(self, **options: object) -> None:
        """Instrument onto these providers; ``options`` are the instrumentor's
        own (``capture_content=...``)."""
        self.instrumentor.instrument(
            tracer_provider=self.provider, meter_provider=self.meter_provider, **options
        )

    def spans(self):
        return list(self.exporter.get_finished_spans())

    def metrics(self) -> dict[str, list]:
        """Metric name -> its data points, from otelscope's meter only."""
        data = self.metric_reader.get_metrics_data()
        found: dict[str, list] = {}
        for resource in data.resource_metrics if data is not None else []:
            for scope in resource.scope_metrics:
                if scope.scope.name != "otelscope":
                    continue
                for metric in scope.metrics:
                    found[metric.name] = list(metric.data.data_points)
        return found


def _instrumented(state: Traced) -> Iterator[Traced]:
    state.instrument()
    try:
        yield state
    finally:
        state.instrumentor.uninstrument()


@pytest.fixture
def traced() -> Iterator[Traced]:
    yield from _instrumented(Traced())


@pytest.fixture
def traced_without_exemplars() -> Iterator[Traced]:
    """``traced`` with metric exemplars off: the SDK's exemplar reservoirs
    keep a measurement drawn at random, so the objects they hold vary from
    run to run, which a test that counts live objects cannot have."""
    yield from _instrumented(Traced(exemplars=False))


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop of the test's own, for tests that run calls one by one."""
    event_loop = asyncio.new_event_loop()
    try:
        yield event_loop
    finally:
        event_loop.close()


@pytest.fixture
def capture(monkeypatch: pytest.MonkeyPatch):
    """Content-capture tests instrument themselves with their options."""
    from otelscope.core import content
    from tests.content_expectations import Capture

    monkeypatch.delenv(content.CAPTURE_ENV, raising=False)
    monkeypatch.delenv(content.MAX_LENGTH_ENV, raising=False)
    state = Capture()
    try:
        yield state
    finally:
        state.uninstrument()


@pytest.fixture(autouse=True)
def no_internal_errors() -> Iterator[None]:
    """Strict mode: an error inside otelscope fails the test that caused it."""
    guard.take_internal_errors()
    yield
    errors = guard.take_internal_errors()
    assert errors == [], f"otelscope internal errors: {errors!r}"

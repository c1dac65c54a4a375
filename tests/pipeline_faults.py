"""A telemetry pipeline that fails: exporters, span processors and meters
that raise or block, for the fault tests of both AgentScope lines.

Each fault raises ``TelemetryFault``, so a test can tell it from anything
else that goes wrong, and counts what it was asked to do, so a test can
prove that the fault was actually hit.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from opentelemetry.metrics import Histogram, Meter, MeterProvider, NoOpHistogram, NoOpMeter
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from otelscope.core.guard import take_internal_errors
from tests.spantree import build_trees

T = TypeVar("T")

# How long a blocking exporter holds the export thread at most. The test
# releases it long before; the limit only keeps a broken test from hanging.
HOLD_LIMIT_SECONDS = 60.0


class TelemetryFault(Exception):
    """Raised by a faulty part of the telemetry pipeline."""


class RaisingExporter(SpanExporter):
    """An exporter whose every export raises."""

    def __init__(self) -> None:
        self.attempts = 0
        self.spans_offered = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.attempts += 1
        self.spans_offered += len(spans)
        raise TelemetryFault("export failed")


class BlockingExporter(SpanExporter):
    """An exporter that holds every export until the test releases it, like
    a collector that stopped answering. ``returned`` is set once an export
    has returned."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.released = threading.Event()
        self.returned = threading.Event()
        self.exported: list[ReadableSpan] = []

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.entered.set()
        self.released.wait(HOLD_LIMIT_SECONDS)
        self.exported.extend(spans)
        self.returned.set()
        return SpanExportResult.SUCCESS

    def names(self) -> list[str]:
        return sorted(span.name for span in self.exported)


class RaisingSpanProcessor(SpanProcessor):
    """Raises from ``on_start`` or ``on_end`` (``hook``) for the spans whose
    name starts with ``prefix`` (every span for ``""``)."""

    def __init__(self, hook: str, prefix: str = "") -> None:
        assert hook in {"on_start", "on_end"}
        self.hook = hook
        self.prefix = prefix
        self.raised: list[str] = []

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        if self.hook == "on_start":
            self._fail(span.name)

    def on_end(self, span: ReadableSpan) -> None:
        if self.hook == "on_end":
            self._fail(span.name)

    def _fail(self, name: str) -> None:
        if name.startswith(self.prefix):
            self.raised.append(name)
            raise TelemetryFault(f"{self.hook} failed for {name}")


class RaisingHistogram(NoOpHistogram):
    """A histogram whose ``record`` raises; counts the values offered."""

    def __init__(self, name: str, offered: list[str]) -> None:
        super().__init__(name)
        self._histogram = name
        self._offered = offered

    def record(self, amount: Any, attributes: Any = None, context: Any = None) -> None:
        self._offered.append(self._histogram)
        raise TelemetryFault(f"recording {self._histogram} failed")


class RaisingMeter(NoOpMeter):
    """A meter whose histograms raise on every ``record``."""

    def __init__(self, name: str, offered: list[str]) -> None:
        super().__init__(name)
        self._offered = offered

    def create_histogram(self, name: str, *args: Any, **kwargs: Any) -> Histogram:
        return RaisingHistogram(name, self._offered)


class RaisingMeterProvider(MeterProvider):
    """A meter provider that hands out ``RaisingMeter``s; ``offered`` lists
    the histogram of every value they were asked to record."""

    def __init__(self) -> None:
        self.offered: list[str] = []

    def get_meter(self, name: str, *args: Any, **kwargs: Any) -> Meter:
        return RaisingMeter(name, self.offered)


class Turnstile:
    """Holds ``expected`` tasks until all of them have arrived and the test
    opens it. Create it inside the event loop that uses it."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.arrivals = 0
        self.all_arrived = asyncio.Event()
        self.opened = asyncio.Event()

    async def pass_through(self) -> None:
        self.arrivals += 1
        if self.arrivals == self.expected:
            self.all_arrived.set()
        await self.opened.wait()


def run_to_end(run: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``run()`` to completion in a new event loop: its result."""
    return asyncio.run(run())


# -- Scenarios shared by both lines ---------------------------------------------
#
# Each line's test module supplies ``weather_call``: one call of a fresh agent
# named Friday whose scripted model asks for the ``get_weather`` tool once and
# then answers "Done T", returning the caller's ``Outcome``.

# What the caller saw: (reply text, model calls made, tool runs).
Outcome = tuple[str, int, int]
WeatherCall = Callable[[], Coroutine[Any, Any, Outcome]]

EXPECTED_OUTCOME: Outcome = ("Done T", 2, 1)
ROUND_WITH_TOOL = ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])])
FINAL_ROUND = ("react step", [("chat scripted-model", [])])
ONE_TOOL_ROUND = ("invoke_agent Friday", [ROUND_WITH_TOOL, FINAL_ROUND])
# Bounds every wait for a task of the test itself.
WAIT_SECONDS = 10.0


# (hook, span-name prefix, the trees exported, the spans the processor
# raised for, in order). A processor raising in `on_start` makes the SDK's
# `start_span` raise: that operation runs untraced and its children move up
# to the nearest traced span. One raising in `on_end` does so after the
# processors before it saw the span, so the trees stay whole.
ProcessorFault = tuple[str, str, list[Any], list[str]]
PROCESSOR_FAULTS: list[ProcessorFault] = [
    (
        "on_start",
        "",
        [],
        [
            "invoke_agent Friday",
            "chat scripted-model",
            "execute_tool get_weather",
            "chat scripted-model",
        ],
    ),
    (
        "on_start",
        "react step",
        [
            (
                "invoke_agent Friday",
                [
                    ("chat scripted-model", []),
                    ("execute_tool get_weather", []),
                    ("chat scripted-model", []),
                ],
            )
        ],
        # Reasoning, then acting (which opens a round if none is open), then
        # reasoning again each try to open a round.
        ["react step"] * 3,
    ),
    (
        "on_start",
        "execute_tool",
        [("invoke_agent Friday", [("react step", [("chat scripted-model", [])]), FINAL_ROUND])],
        ["execute_tool get_weather"],
    ),
    (
        "on_start",
        "chat",
        [
            (
                "invoke_agent Friday",
                [("react step", [("execute_tool get_weather", [])]), ("react step", [])],
            )
        ],
        ["chat scripted-model"] * 2,
    ),
    (
        "on_start",
        "invoke_agent",
        [
            ("chat scripted-model", []),
            ("execute_tool get_weather", []),
            ("chat scripted-model", []),
        ],
        ["invoke_agent Friday"],
    ),
    (
        "on_end",
        "",
        [ONE_TOOL_ROUND],
        [
            "chat scripted-model",
            "execute_tool get_weather",
            "react step",
            "chat scripted-model",
            "react step",
            "invoke_agent Friday",
        ],
    ),
    ("on_end", "react step", [ONE_TOOL_ROUND], ["react step"] * 2),
    ("on_end", "chat", [ONE_TOOL_ROUND], ["chat scripted-model"] * 2),
    ("on_end", "invoke_agent", [ONE_TOOL_ROUND], ["invoke_agent Friday"]),
]

# Data points per metric of one `weather_call`: two model calls, one tool
# call, one agent call.
METRIC_COUNTS = {
    "gen_ai.client.operation.duration": 2,
    "gen_ai.client.token.usage": 4,
    "gen_ai.execute_tool.duration": 1,
    "gen_ai.invoke_agent.duration": 1,
}


def untraced(traced: Any, weather_call: WeatherCall) -> Outcome:
    """The outcome of the same call with otelscope uninstrumented."""
    traced.instrumentor.uninstrument()
    exported = len(traced.spans())
    outcome = run_to_end(weather_call)
    assert len(traced.spans()) == exported
    return outcome


def shapes(traced: Any) -> list[Any]:
    return [root.shape() for root in build_trees(traced.spans())]


def check_raising_exporter(
    traced: Any, processor: SpanProcessor, exporter: RaisingExporter, weather_call: WeatherCall
) -> None:
    """An exporter that raises, behind ``processor``: the SDK logs it; the
    caller and the other exporters see nothing of it."""
    traced.provider.add_span_processor(processor)
    try:
        outcome = run_to_end(weather_call)
        processor.force_flush()
    finally:
        processor.shutdown()
    assert exporter.spans_offered == 6
    assert shapes(traced) == [ONE_TOOL_ROUND]
    assert outcome == untraced(traced, weather_call) == EXPECTED_OUTCOME


def check_blocked_batch_exporter(traced: Any, weather_call: WeatherCall) -> None:
    """A batch processor's exporter that hangs: the call does not wait for it.

    Proved by construction, not by a stopwatch: the export is released only
    after the call has returned, so a call that waited for it could only
    have returned after the hold limit, with the export returned first."""
    exporter = BlockingExporter()
    processor = BatchSpanProcessor(exporter, schedule_delay_millis=1, export_timeout_millis=100)
    traced.provider.add_span_processor(processor)
    try:
        # Hold the export thread before the call starts: every span of the
        # call then queues behind an export that does not return.
        traced.provider.get_tracer("test").start_span("held export").end()
        assert exporter.entered.wait(WAIT_SECONDS)
        outcome = run_to_end(weather_call)
        export_still_held = not exporter.returned.is_set()
        exported_during_call = list(exporter.exported)
    finally:
        exporter.released.set()
        processor.shutdown()
    assert export_still_held, "the call returned only after the held export did"
    assert exported_during_call == []
    assert exporter.names() == sorted(
        ["held export", "invoke_agent Friday", "execute_tool get_weather"]
        + ["react step", "chat scripted-model"] * 2
    )
    assert shapes(traced) == [("held export", []), ONE_TOOL_ROUND]
    assert outcome == untraced(traced, weather_call) == EXPECTED_OUTCOME


def fault_id(fault: ProcessorFault) -> str:
    return f"{fault[0]}-{fault[1] or 'every span'}"


def check_raising_processor(traced: Any, fault: ProcessorFault, weather_call: WeatherCall) -> None:
    """A span processor that raises: the SDK passes the exception on to
    otelscope, which reports it (as it reports its own errors: it cannot tell
    them apart) and keeps the caller's call and every other span intact."""
    hook, prefix, trees, raised = fault
    processor = RaisingSpanProcessor(hook, prefix)
    traced.provider.add_span_processor(processor)
    outcome = run_to_end(weather_call)
    errors = take_internal_errors()
    assert processor.raised == raised
    assert [(type(e), str(e)) for e in errors] == [
        (TelemetryFault, f"{hook} failed for {name}") for name in raised
    ]
    assert shapes(traced) == trees
    if hook == "on_end":
        # Every span ended, so every metric was recorded.
        assert metric_counts(traced) == METRIC_COUNTS
    assert outcome == untraced(traced, weather_call) == EXPECTED_OUTCOME


def check_raising_meter(traced: Any, weather_call: WeatherCall) -> None:
    """A meter whose histograms raise: reported once per span that records
    a metric; the spans and the call are untouched."""
    meter_provider = RaisingMeterProvider()
    traced.instrumentor.uninstrument()
    traced.instrumentor.instrument(tracer_provider=traced.provider, meter_provider=meter_provider)
    outcome = run_to_end(weather_call)
    errors = take_internal_errors()
    # Each span's end records its first histogram, which raises.
    recorded = [
        "gen_ai.client.operation.duration",
        "gen_ai.execute_tool.duration",
        "gen_ai.client.operation.duration",
        "gen_ai.invoke_agent.duration",
    ]
    assert meter_provider.offered == recorded
    assert [(type(e), str(e)) for e in errors] == [
        (TelemetryFault, f"recording {name} failed") for name in recorded
    ]
    assert shapes(traced) == [ONE_TOOL_ROUND]
    assert outcome == untraced(traced, weather_call) == EXPECTED_OUTCOME


def metric_counts(traced: Any) -> dict[str, int]:
    return {name: sum(point.count for point in points) for name, points in traced.metrics().items()}


async def shut_down_while_held(
    traced: Any, turnstile: Turnstile, call: Coroutine[Any, Any, T]
) -> tuple[T, list[str]]:
    """Run ``call`` and shut the tracer provider down while ``turnstile``
    holds it: (its result, the spans that ended before the shutdown)."""
    task = asyncio.create_task(call)
    await asyncio.wait_for(turnstile.all_arrived.wait(), WAIT_SECONDS)
    traced.provider.shutdown()
    ended_before = sorted(span.name for span in traced.spans())
    turnstile.opened.set()
    return await asyncio.wait_for(task, WAIT_SECONDS), ended_before


async def uninstrument_while_held(
    traced: Any, turnstile: Turnstile, calls: list[Coroutine[Any, Any, T]]
) -> tuple[list[T], list[str]]:
    """Run ``calls`` at once and uninstrument while ``turnstile`` holds all
    of them: (their results, the spans that ended before uninstrument())."""
    tasks = [asyncio.create_task(call) for call in calls]
    await asyncio.wait_for(turnstile.all_arrived.wait(), WAIT_SECONDS)
    traced.instrumentor.uninstrument()
    ended_before = sorted(span.name for span in traced.spans())
    turnstile.opened.set()
    return await asyncio.wait_for(asyncio.gather(*tasks), WAIT_SECONDS), ended_before

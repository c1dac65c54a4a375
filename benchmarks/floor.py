"""The bare-SDK floors: the telemetry a configuration made in one call,
replayed by a loop that does nothing else.

A probe call records each span's name, kind, attributes and parent, and the
order in which spans started and ended; ``MetricCapture`` also records every
synchronous metric point of the call (instrument, unit, value, attributes,
the span current at that moment). The replay starts and ends the same spans
in the same order and nesting, with every attribute passed at start, the
cheapest way the SDK offers to make them. Two floors come from one shape:

- the span floor replays the spans only;
- the telemetry floor replays the spans and, at the moment each was
  recorded, the same metric points, on instruments of the same kind, name,
  unit and bucket boundaries made on the benchmark's own ``MeterProvider``
  (meter ``bench-floor``), with the same span current, as the SDK's
  trace-based exemplar filter looks at it.

A configuration that records no metric point has equal floors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.context import get_current
from opentelemetry.metrics import Meter
from opentelemetry.sdk.metrics._internal import instrument as sdk_instruments
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import Span, SpanKind, Tracer, set_span_in_context

# One step of a replay, as lists so a step survives the trip through JSON:
# ["start", index, name, kind, attributes, parent index or -1]
# ["end", index]
# ["metric", instrument kind, name, unit, bucket boundaries or None, value,
#  attributes, index of the span current when it was recorded or -1]
Step = list[Any]

# Synchronous instrument kinds: the SDK class, the method that records a point,
# and the Meter method that makes one.
INSTRUMENTS = {
    "histogram": (sdk_instruments._Histogram, "record", "create_histogram"),
    "counter": (sdk_instruments._Counter, "add", "create_counter"),
    "up_down_counter": (sdk_instruments._UpDownCounter, "add", "create_up_down_counter"),
    "gauge": (sdk_instruments._Gauge, "set", "create_gauge"),
}


class MetricPoint:
    """One synchronous measurement seen during a probe call."""

    __slots__ = ("attributes", "buckets", "kind", "name", "span_id", "time", "unit", "value")

    def __init__(
        self, kind: str, instrument: Any, value: float, attributes: Any, span_id: int
    ) -> None:
        self.time = time.time_ns()
        self.kind = kind
        self.name: str = instrument.name
        self.unit: str = instrument.unit
        advisory = getattr(instrument, "_advisory", None)
        boundaries = getattr(advisory, "explicit_bucket_boundaries", None)
        self.buckets = None if boundaries is None else list(boundaries)
        self.value = value
        self.attributes = {key: _plain(item) for key, item in dict(attributes or {}).items()}
        self.span_id = span_id


@contextmanager
def metric_capture() -> Iterator[list[MetricPoint]]:
    """Every synchronous metric point recorded through the SDK inside the
    ``with`` block, in order; the instruments are unwrapped on exit."""
    taken: list[MetricPoint] = []
    restore: list[tuple[type, str, Any]] = []
    for kind, (cls, method, _) in INSTRUMENTS.items():
        restore.append((cls, method, cls.__dict__.get(method)))
        setattr(cls, method, _capturing(kind, getattr(cls, method), taken))
    try:
        yield taken
    finally:
        for wrapped, method, own in restore:
            if own is None:
                delattr(wrapped, method)
            else:
                setattr(wrapped, method, own)


def _capturing(kind: str, original: Callable[..., Any], taken: list[MetricPoint]) -> Any:
    def measure(
        instrument: Any, amount: float, attributes: Any = None, context: Any = None
    ) -> None:
        span = trace.get_current_span(context if context is not None else get_current())
        span_context = span.get_span_context()
        span_id = span_context.span_id if span_context.is_valid else 0
        taken.append(MetricPoint(kind, instrument, amount, attributes, span_id))
        original(instrument, amount, attributes, context)

    return measure


def shape_of(spans: Sequence[ReadableSpan], points: Sequence[MetricPoint] = ()) -> list[Step]:
    """The replay steps of ``spans`` (one call's spans, in any order) and of
    the metric ``points`` recorded during the same call."""
    index_of = {span.context.span_id: index for index, span in enumerate(spans)}
    moments: list[tuple[int, int, Step]] = []
    for index, span in enumerate(spans):
        parent = index_of.get(span.parent.span_id, -1) if span.parent else -1
        attributes = {key: _plain(value) for key, value in (span.attributes or {}).items()}
        start = ["start", index, span.name, span.kind.value, attributes, parent]
        # At equal times a start comes first: a span cannot end before it starts.
        moments.append((span.start_time or 0, 0, start))
        moments.append((span.end_time or 0, 2, ["end", index]))
    for point in points:
        current = index_of.get(point.span_id, -1)
        metric = ["metric", point.kind, point.name, point.unit, point.buckets, point.value]
        moments.append((point.time, 1, [*metric, point.attributes, current]))
    # A stable sort: points recorded at one time keep their order.
    moments.sort(key=lambda moment: (moment[0], moment[1]))
    return [step for _, _, step in moments]


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def spans_in(steps: Sequence[Step]) -> int:
    return sum(1 for step in steps if step[0] == "start")


def points_in(steps: Sequence[Step]) -> int:
    return sum(1 for step in steps if step[0] == "metric")


class Instruments:
    """The floor's own instruments, one per (kind, name, unit, boundaries),
    made before any timing starts."""

    def __init__(self, meter: Meter) -> None:
        self._meter = meter
        self._made: dict[str, Callable[..., None]] = {}

    def recorder(self, kind: str, name: str, unit: str, buckets: list[float] | None) -> Any:
        key = f"{kind}|{name}|{unit}|{buckets}"
        if key not in self._made:
            _, method, create = INSTRUMENTS[kind]
            options: dict[str, Any] = {"unit": unit}
            if buckets is not None:
                options["explicit_bucket_boundaries_advisory"] = buckets
            instrument = getattr(self._meter, create)(name, **options)
            self._made[key] = getattr(instrument, method)
        return self._made[key]


def prepare(steps: Sequence[Step], instruments: Instruments | None) -> list[Step]:
    """The steps a replay runs: metric steps dropped (``instruments`` None:
    the span floor) or bound to the floor's instruments (the telemetry floor)."""
    prepared: list[Step] = []
    for step in steps:
        if step[0] != "metric":
            prepared.append(step)
        elif instruments is not None:
            _, kind, name, unit, buckets, value, attributes, current = step
            # Sequences come back from JSON as lists; attribute values are tuples.
            attributes = {
                key: tuple(item) if isinstance(item, list) else item
                for key, item in attributes.items()
            }
            record = instruments.recorder(kind, name, unit, buckets)
            prepared.append(["metric", record, value, attributes, current])
    return prepared


def replay(tracer: Tracer, steps: Sequence[Step]) -> None:
    made: dict[int, Span] = {}
    for step in steps:
        if step[0] == "end":
            made[step[1]].end()
        elif step[0] == "start":
            _, index, name, kind, attributes, parent = step
            context = set_span_in_context(made[parent]) if parent >= 0 else None
            made[index] = tracer.start_span(
                name, context=context, kind=SpanKind(kind), attributes=attributes
            )
        else:
            _, record, value, attributes, current = step
            context = set_span_in_context(made[current]) if current >= 0 else None
            record(value, attributes, context)


def time_replays(tracer: Tracer, steps: Sequence[Step], repeats: int) -> float:
    """Process CPU seconds of ``repeats`` replays of prepared ``steps``."""
    started = time.process_time()
    for _ in range(repeats):
        replay(tracer, steps)
    return time.process_time() - started

"""The work counter of ``tests.work_counts`` counts what it says it counts,
so that the per-call figures of both lines' ``test_work_per_call`` mean what
they claim."""

from __future__ import annotations

from opentelemetry import context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

from otelscope.core import values
from tests.work_counts import count_work, work

NOTHING = {
    "otelscope frames": 0,
    "context attaches": 0,
    "spans started": 0,
    "attribute calls": 0,
    "histogram records": 0,
}


def test_each_call_of_otelscope_code_is_one_frame() -> None:
    def run() -> None:
        for value in ("a", 1, None):
            values.text(value)

    assert count_work(run) == {**NOTHING, "otelscope frames": 3}


def test_each_resumption_of_an_otelscope_generator_is_a_frame_of_its_own() -> None:
    # A generator defined by otelscope's code is what the counter keys on:
    # its code object's file. Compile one as if it were otelscope's.
    namespace: dict[str, object] = {}
    source = "def steps():\n    yield 1\n    yield 2\n"
    exec(compile(source, values.__file__, "exec"), namespace)

    def run() -> None:
        assert list(namespace["steps"]()) == [1, 2]  # type: ignore[operator]

    # Entered three times: up to each yield, then to the end.
    assert count_work(run) == {**NOTHING, "otelscope frames": 3}


def test_span_attribute_context_and_histogram_operations_are_counted() -> None:
    tracer = TracerProvider().get_tracer("counted")
    histogram = MeterProvider(metric_readers=[InMemoryMetricReader()]).get_meter("m")
    duration = histogram.create_histogram("d")

    def run() -> None:
        span = tracer.start_span("one", attributes={"a": 1})
        span.set_attribute("b", 2)
        span.set_attributes({"c": 3, "d": 4})
        token = context.attach(context.set_value("k", "v"))
        context.detach(token)
        duration.record(1.0)
        span.end()

    assert count_work(run) == {
        **NOTHING,
        "spans started": 1,
        "attribute calls": 2,
        "context attaches": 1,
        "histogram records": 1,
    }


def test_attributes_offered_to_a_dropped_span_are_counted_too() -> None:
    tracer = TracerProvider(sampler=ALWAYS_OFF).get_tracer("dropped")

    def run() -> None:
        span = tracer.start_span("one")
        assert not span.is_recording()
        span.set_attribute("a", 1)
        span.end()

    assert count_work(run) == {**NOTHING, "spans started": 1, "attribute calls": 1}


def test_work_names_the_counts_of_a_six_span_call() -> None:
    assert work(1, 2, 3, 4) == {
        "otelscope frames": 1,
        "context attaches": 2,
        "spans started": 6,
        "attribute calls": 3,
        "histogram records": 4,
    }

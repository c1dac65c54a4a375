"""Deterministic measures of the work otelscope adds to an agent call.

Time is no measure in a test: a loaded machine stretches it at random. What
code runs is: the same call on the same input enters the same Python frames
in the same order, however busy the machine. ``count_work`` counts, with a
profile hook, the frames that one call enters, by what they are:

- ``otelscope frames``: frames of otelscope's own code, each resumption of
  one of its generators or coroutines included, since each is a context
  switch that costs like a call;
- ``context attaches``: ``opentelemetry.context.attach`` calls, by anyone;
- ``spans started``: the SDK tracer's ``start_span`` calls;
- ``attribute calls``: ``set_attribute``/``set_attributes`` on a span, the
  SDK's or a non-recording one;
- ``histogram records``: the SDK histogram's ``record`` calls.

The cyclic garbage collector is paused while counting, so a collection (and
the finalizers it runs) falls outside the counted calls rather than in a
random one of them.
"""

from __future__ import annotations

import gc
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

import opentelemetry.context
import opentelemetry.sdk.metrics
import opentelemetry.sdk.trace
import opentelemetry.trace.span
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

import otelscope
from otelscope import AgentScopeInstrumentor

OTELSCOPE_FRAMES = "otelscope frames"
_OTELSCOPE_DIR = str(Path(otelscope.__file__).parent)
_SDK_METRICS_DIR = str(Path(opentelemetry.sdk.metrics.__file__).parent)
# (code's file, code's name) -> what a frame of it counts as.
_NAMED_FRAMES = {
    (opentelemetry.context.__file__, "attach"): "context attaches",
    (opentelemetry.sdk.trace.__file__, "start_span"): "spans started",
    (opentelemetry.sdk.trace.__file__, "set_attribute"): "attribute calls",
    (opentelemetry.sdk.trace.__file__, "set_attributes"): "attribute calls",
    # A span a sampler dropped is the API's NonRecordingSpan.
    (opentelemetry.trace.span.__file__, "set_attribute"): "attribute calls",
    (opentelemetry.trace.span.__file__, "set_attributes"): "attribute calls",
}
_HISTOGRAM_RECORD = "histogram records"
KINDS = (
    OTELSCOPE_FRAMES,
    "context attaches",
    "spans started",
    "attribute calls",
    _HISTOGRAM_RECORD,
)


class _FrameTally:
    """Classifies each frame entered, once per code object, then counts."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._kind_of: dict[CodeType, str | None] = {}

    def profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call":
            return
        code = frame.f_code
        try:
            kind = self._kind_of[code]
        except KeyError:
            kind = self._kind_of[code] = _kind_of(code)
        if kind is not None:
            self.counts[kind] += 1


def _kind_of(code: CodeType) -> str | None:
    filename = code.co_filename
    if filename.startswith(_OTELSCOPE_DIR):
        return OTELSCOPE_FRAMES
    if filename.startswith(_SDK_METRICS_DIR) and code.co_name == "record":
        # The SDK's synchronous instruments; only otelscope records here.
        return _HISTOGRAM_RECORD if "instrument" in Path(filename).name else None
    return _NAMED_FRAMES.get((filename, code.co_name))


@contextmanager
def _counting(tally: _FrameTally) -> Iterator[None]:
    gc.collect()
    gc.disable()
    previous = sys.getprofile()
    sys.setprofile(tally.profile)
    try:
        yield
    finally:
        sys.setprofile(previous)
        gc.enable()


def count_work(run: Callable[[], Any]) -> dict[str, int]:
    """Run ``run()`` once, on this thread, and count the frames it entered
    (every kind of ``KINDS``, zeros included)."""
    tally = _FrameTally()
    with _counting(tally):
        run()
    return {kind: tally.counts[kind] for kind in KINDS}


def describe(measured: list[dict[str, int]], expected: dict[str, int]) -> str:
    """The failure message: what changed, and what to do about it."""
    return (
        f"otelscope's work per call changed: measured {measured}, expected {expected} "
        "for every call. If the change is meant (new attributes, a new span), set the "
        "expected counts to the measured ones; if not, it added work to the hot path."
    )


# Calls counted per configuration: the first calls of a process fill caches
# (AgentScope's, the SDK's, otelscope's per-class ones) and are not counted.
WARM_UP_CALLS = 2
COUNTED_CALLS = 3


def assert_work_per_call(run_call: Callable[[], Any], expected: dict[str, int]) -> None:
    """Each of ``COUNTED_CALLS`` calls, after the warm-up, does exactly the
    ``expected`` work."""
    for _ in range(WARM_UP_CALLS):
        run_call()
    measured = [count_work(run_call) for _ in range(COUNTED_CALLS)]
    assert measured == [expected] * COUNTED_CALLS, describe(measured, expected)


def work(
    frames: int, attaches: int, attributes: int, points: int, spans: int = 6
) -> dict[str, int]:
    """The counts of one call of the suites' one-tool-round script, which
    starts six spans (one when its trace is dropped)."""
    return {
        OTELSCOPE_FRAMES: frames,
        "context attaches": attaches,
        "spans started": spans,
        "attribute calls": attributes,
        _HISTOGRAM_RECORD: points,
    }


def expected_for(
    release: tuple[int, ...], table: dict[tuple[int, ...], dict[str, int]]
) -> dict[str, int]:
    """The counts recorded for this AgentScope release."""
    if release not in table:
        pytest.fail(f"no work counts recorded for AgentScope {release}")
    return table[release]


MODES = ("recorded", "streamed", "sampled out")


Table = dict[tuple[int, ...], dict[str, int]]


def assert_work_in_mode(
    mode: str,
    agent_call: Callable[[bool], Callable[[], Any]],
    release: tuple[int, ...],
    tables: dict[str, Table],
    traced: Any,
) -> None:
    """One of a line's three measures (``tables`` by mode, then release): a
    recorded call, a streamed one, or a recorded one under a sampler that
    drops every span (``traced``, the test's instrumentation, then gives way
    to one with that sampler)."""
    expected = expected_for(release, tables[mode])
    if mode == "sampled out":
        traced.instrumentor.uninstrument()
        with sampled_out():
            assert_work_per_call(agent_call(False), expected)
    else:
        assert_work_per_call(agent_call(mode == "streamed"), expected)


@contextmanager
def sampled_out() -> Iterator[None]:
    """otelscope on a tracer provider whose sampler drops every span, and on
    an SDK meter provider (metrics do not depend on sampling)."""
    instrumentor = AgentScopeInstrumentor()
    instrumentor.instrument(
        tracer_provider=TracerProvider(sampler=ALWAYS_OFF),
        meter_provider=MeterProvider(metric_readers=[InMemoryMetricReader()]),
    )
    try:
        yield
    finally:
        instrumentor.uninstrument()

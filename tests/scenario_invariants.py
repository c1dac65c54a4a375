"""Invariants that every export must satisfy, whatever AgentScope line made it.

The generated-scenario suites of both lines (``tests/v1/test_scenarios.py``,
``tests/v2/test_scenarios.py``) check these after every scenario, besides the
exact trees their models predict:

- ``assert_well_formed``: every span ended once, ids unique, every parent
  exported in the same trace, one root per trace, children inside their
  parent's time span;
- ``assert_no_state_left``: none of otelscope's per-call ``ContextVar``\\ s is
  set in the running context, and no agent still holds per-agent machinery;
- ``assert_released``: the agents a scenario used are freed once the test
  drops them (otelscope keeps no strong reference to an agent);
- ``status_label``: a span's outcome as one word, for comparing with a model.
"""

from __future__ import annotations

import gc
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from otelscope.core import calls, remote, served
from otelscope.core.attachment import AgentAttachments

OK = "ok"
CANCELLED = "cancelled"

# The per-call ContextVars of the span core: set around steps of a call,
# reset when the step ends. Adapters pass their own to `assert_no_state_left`.
CORE_CALL_STATE: tuple[ContextVar[Any], ...] = (
    calls._current_call,
    remote._remote,
    served._serving,
)


def assert_well_formed(
    spans: Sequence[ReadableSpan], started_span_ids: Iterable[int] | None = None
) -> None:
    """The structural invariants of an export (see the module docstring).

    ``started_span_ids``, when given, are the ids of every span that was
    started (a span processor's ``on_start``): each must have ended exactly once.
    """
    ids = [span.context.span_id for span in spans]
    duplicates = [span_id for span_id, n in Counter(ids).items() if n > 1]
    assert duplicates == [], f"spans exported more than once: {duplicates}"
    if started_span_ids is not None:
        assert sorted(started_span_ids) == sorted(ids), "a started span never ended"
    by_id = {span.context.span_id: span for span in spans}
    roots: Counter[int] = Counter()
    for span in spans:
        assert span.end_time is not None, f"span {span.name!r} never ended"
        if span.parent is None:
            roots[span.context.trace_id] += 1
            continue
        parent = by_id.get(span.parent.span_id)
        assert parent is not None, f"span {span.name!r} has a parent that was never exported"
        assert parent.context.trace_id == span.context.trace_id, f"{span.name!r} left its trace"
        _assert_within(span, parent)
    traces = {span.context.trace_id for span in spans}
    assert {trace_id: roots[trace_id] for trace_id in traces} == dict.fromkeys(traces, 1), (
        "every trace has exactly one root"
    )


def _assert_within(child: ReadableSpan, parent: ReadableSpan) -> None:
    assert child.start_time is not None and parent.start_time is not None
    assert child.end_time is not None and parent.end_time is not None
    assert parent.start_time <= child.start_time, f"{child.name!r} starts before its parent"
    assert child.end_time <= parent.end_time, f"{child.name!r} ends after {parent.name!r}"


def status_label(span: ReadableSpan) -> str:
    """``ok`` (status unset), ``cancelled``, or the ``error.type`` of a failure."""
    if span.status.status_code == StatusCode.UNSET:
        return OK
    assert span.status.status_code == StatusCode.ERROR, f"{span.name!r}: {span.status}"
    error_type = (span.attributes or {}).get("error.type")
    assert isinstance(error_type, str), f"{span.name!r} failed without error.type"
    if error_type == CANCELLED:
        assert span.status.description == CANCELLED
        assert list(span.events) == [], "a cancellation is not an exception"
        return CANCELLED
    assert [event.name for event in span.events] == ["exception"]
    return error_type


def leftover_call_state(extra: Iterable[ContextVar[Any]] = ()) -> dict[str, object]:
    """The per-call ContextVars (core ones and ``extra``) that are set in the
    running context: empty when every call that ran in it cleaned up."""
    variables = (*CORE_CALL_STATE, *extra)
    return {var.name: var.get() for var in variables if var.get(None) is not None}


def agents_holding_machinery() -> int:
    """Agents that still hold per-agent machinery, over every live
    ``AgentAttachments`` (0 once no call is in flight)."""
    return sum(
        obj.attached_agents() for obj in gc.get_objects() if isinstance(obj, AgentAttachments)
    )


def assert_no_state_left(extra: Iterable[ContextVar[Any]] = ()) -> None:
    """Nothing of any finished call is left in the running context or on any agent."""
    assert leftover_call_state(extra) == {}
    assert agents_holding_machinery() == 0


def assert_released(refs: Iterable[weakref.ref[Any]]) -> None:
    """Every object behind ``refs`` is freed once nothing else holds it."""
    gc.collect()
    alive = [ref() for ref in refs if ref() is not None]
    assert alive == [], f"still referenced after the scenario: {alive!r}"

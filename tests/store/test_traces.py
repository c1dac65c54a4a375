"""Trace summaries and looking a trace up by id or prefix."""

from __future__ import annotations

import pytest

from otelscope.store import (
    SpanRecord,
    TraceSummary,
    spans_of_trace,
    summarize_traces,
)
from otelscope.store.traces import AmbiguousTraceId, TraceNotFound

AGENT_TRACE = "aa" * 16
TOOL_TRACE = "ab" * 16
OTHER_TRACE = "c0" * 16


def span(trace_id: str, span_id: int, parent: int | None, start: int, end: int, **fields):
    return SpanRecord(
        trace_id=trace_id,
        span_id=f"{span_id:016x}",
        parent_span_id=None if parent is None else f"{parent:016x}",
        name=fields.pop("name", f"span {span_id}"),
        kind="INTERNAL",
        start_unix_nano=start,
        end_unix_nano=end,
        **fields,
    )


def usage(operation: str, input_tokens: object, output_tokens: object) -> dict:
    return {
        "gen_ai.operation.name": operation,
        "gen_ai.usage.input_tokens": input_tokens,
        "gen_ai.usage.output_tokens": output_tokens,
    }


SPANS = [
    # Children end first, so they come before their parents in a store.
    span(AGENT_TRACE, 3, 2, 120, 150, name="chat m", attributes=usage("chat", 10, 4)),
    span(AGENT_TRACE, 4, 2, 150, 170, name="embeddings e", attributes=usage("embeddings", 6, 0)),
    span(
        AGENT_TRACE,
        5,
        2,
        170,
        180,
        name="execute_tool t",
        status_code="ERROR",
        attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.usage.input_tokens": 99},
    ),
    span(AGENT_TRACE, 6, 2, 180, 190, attributes=usage("text_completion", 1, 2)),
    span(AGENT_TRACE, 7, 2, 190, 195, attributes=usage("generate_content", True, "5")),
    span(
        AGENT_TRACE,
        2,
        None,
        100,
        200,
        name="invoke_agent Friday",
        status_code="ERROR",
        attributes=usage("invoke_agent", 500, 500),
    ),
    span(OTHER_TRACE, 1, None, 50, 60, name="early"),
    # A trace joined mid-way: both spans' parents are elsewhere; the earliest is the root.
    span(TOOL_TRACE, 9, 77, 310, 330, name="late orphan"),
    span(TOOL_TRACE, 8, 76, 300, 320, name="remote child"),
]


def test_summaries_are_newest_first_with_model_tokens_only():
    assert summarize_traces(SPANS) == [
        TraceSummary(
            trace_id=TOOL_TRACE,
            root_name="remote child",
            start_unix_nano=300,
            duration_nano=30,
            span_count=2,
            error_count=0,
            input_tokens=0,
            output_tokens=0,
        ),
        TraceSummary(
            trace_id=AGENT_TRACE,
            root_name="invoke_agent Friday",
            start_unix_nano=100,
            duration_nano=100,
            span_count=6,
            error_count=2,
            input_tokens=17,
            output_tokens=6,
        ),
        TraceSummary(
            trace_id=OTHER_TRACE,
            root_name="early",
            start_unix_nano=50,
            duration_nano=10,
            span_count=1,
            error_count=0,
            input_tokens=0,
            output_tokens=0,
        ),
    ]


def test_no_spans_no_traces():
    assert summarize_traces([]) == []


def test_a_trace_is_found_by_its_id_or_a_unique_prefix_in_any_case():
    by_id = spans_of_trace(SPANS, AGENT_TRACE)

    assert [record.span_id[-1] for record in by_id] == ["3", "4", "5", "6", "7", "2"]
    assert spans_of_trace(SPANS, "C0") == SPANS[6:7]
    assert spans_of_trace(SPANS, " ab" + "ab" * 3 + " ") == SPANS[7:]


@pytest.mark.parametrize(
    ("wanted", "error", "message"),
    [
        ("a", AmbiguousTraceId, f"2 traces start with 'a': {AGENT_TRACE}, {TOOL_TRACE}"),
        ("ff", TraceNotFound, "no trace id starts with 'ff'"),
        ("  ", TraceNotFound, "no trace id given"),
    ],
)
def test_a_lookup_that_is_not_exactly_one_trace_says_why(wanted, error, message):
    with pytest.raises(error) as raised:
        spans_of_trace(SPANS, wanted)

    assert str(raised.value) == message
    assert isinstance(raised.value, LookupError)

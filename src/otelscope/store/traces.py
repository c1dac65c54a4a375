"""Spans grouped into traces: the one-line summaries and one trace's spans."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from otelscope.core import conventions
from otelscope.store.records import AttributeValue, SpanRecord

# Operations that call a model: only their spans' token counts are summed.
# Agent and round spans carry roll-ups of their children's tokens, which
# would otherwise be counted twice. `text_completion` and `generate_content`
# are conventions names that otelscope itself never emits, but other
# instrumentations in the same program may.
MODEL_OPERATIONS = frozenset(
    {conventions.OP_CHAT, "text_completion", "generate_content", conventions.OP_EMBEDDINGS}
)


@dataclass(frozen=True)
class TraceSummary:
    trace_id: str
    # The span whose parent is not in the trace (the earliest, if several).
    root_name: str
    start_unix_nano: int
    # From the first span's start to the last span's end.
    duration_nano: int
    span_count: int
    error_count: int
    input_tokens: int
    output_tokens: int


class TraceNotFound(LookupError):
    """No trace has the id, or an id starting with the prefix."""


class AmbiguousTraceId(LookupError):
    """More than one trace id starts with the prefix."""


def summarize_traces(spans: Iterable[SpanRecord]) -> list[TraceSummary]:
    """One summary per trace, newest (latest start) first."""
    summaries = [_summarize(trace_id, members) for trace_id, members in _by_trace(spans).items()]
    summaries.sort(key=lambda summary: (-summary.start_unix_nano, summary.trace_id))
    return summaries


def spans_of_trace(spans: Iterable[SpanRecord], trace_id_or_prefix: str) -> list[SpanRecord]:
    """The spans (in the given order) of the trace with this id or unique id prefix."""
    traces = _by_trace(spans)
    wanted = trace_id_or_prefix.strip().lower()
    if not wanted:
        raise TraceNotFound("no trace id given")
    if wanted in traces:
        return traces[wanted]
    matches = sorted(trace_id for trace_id in traces if trace_id.startswith(wanted))
    if not matches:
        raise TraceNotFound(f"no trace id starts with {wanted!r}")
    if len(matches) > 1:
        raise AmbiguousTraceId(f"{len(matches)} traces start with {wanted!r}: {', '.join(matches)}")
    return traces[matches[0]]


def root_span(spans: Sequence[SpanRecord]) -> SpanRecord:
    """The earliest span of a trace whose parent is not in it."""
    span_ids = {span.span_id for span in spans}
    roots = [span for span in spans if span.parent_span_id not in span_ids] or list(spans)
    # min() keeps the first of equal starts, i.e. file order.
    return min(roots, key=lambda span: span.start_unix_nano)


def _by_trace(spans: Iterable[SpanRecord]) -> dict[str, list[SpanRecord]]:
    traces: dict[str, list[SpanRecord]] = {}
    for span in spans:
        traces.setdefault(span.trace_id, []).append(span)
    return traces


def _summarize(trace_id: str, spans: list[SpanRecord]) -> TraceSummary:
    start = min(span.start_unix_nano for span in spans)
    end = max(span.end_unix_nano for span in spans)
    model_spans = [span for span in spans if _is_model_call(span)]
    return TraceSummary(
        trace_id=trace_id,
        root_name=root_span(spans).name,
        start_unix_nano=start,
        duration_nano=max(0, end - start),
        span_count=len(spans),
        error_count=sum(1 for span in spans if span.is_error),
        input_tokens=sum(_tokens(span, conventions.USAGE_INPUT_TOKENS) for span in model_spans),
        output_tokens=sum(_tokens(span, conventions.USAGE_OUTPUT_TOKENS) for span in model_spans),
    )


def _is_model_call(span: SpanRecord) -> bool:
    return span.attributes.get(conventions.OPERATION_NAME) in MODEL_OPERATIONS


def _tokens(span: SpanRecord, key: str) -> int:
    value: AttributeValue = span.attributes.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return 0

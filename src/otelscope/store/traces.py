"""Spans grouped into traces: the one-line summaries and one trace's spans.

A summary is computed from ``SpanFacts``, the few fields of a span it needs,
so the in-memory path (``summarize_traces`` over records) and the index
(``store/index_db.py``, which keeps facts, not whole spans) agree exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, TypeVar

from otelscope.core import conventions
from otelscope.store.records import SpanRecord

# Operations that call a model: only their spans' token counts are summed.
# Agent and round spans carry roll-ups of their children's tokens, which
# would otherwise be counted twice. `text_completion` and `generate_content`
# are conventions names that otelscope itself never emits, but other
# instrumentations in the same program may.
MODEL_OPERATIONS = frozenset(
    {conventions.OP_CHAT, "text_completion", "generate_content", conventions.OP_EMBEDDINGS}
)
_SERVICE_NAME = "service.name"


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
    # Every service.name of the trace, sorted.
    services: tuple[str, ...] = ()


class SpanFacts(NamedTuple):
    """What a trace's summary needs of one span (ids are lowercase hex)."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    start_unix_nano: int
    end_unix_nano: int
    is_error: bool
    # Counted for model calls only (see MODEL_OPERATIONS), else 0.
    input_tokens: int
    output_tokens: int
    service: str


class TraceNotFound(LookupError):
    """No trace has the id, or an id starting with the prefix."""


class NoTraces(TraceNotFound):
    """The newest trace was asked for, and the store holds none."""


class AmbiguousTraceId(LookupError):
    """More than one trace id starts with the prefix."""


def facts_of(span: SpanRecord) -> SpanFacts:
    model_call = is_model_operation(span.attributes.get(conventions.OPERATION_NAME))
    service = span.resource.get(_SERVICE_NAME)
    return SpanFacts(
        trace_id=span.trace_id,
        span_id=span.span_id,
        parent_span_id=span.parent_span_id,
        name=span.name,
        start_unix_nano=span.start_unix_nano,
        end_unix_nano=span.end_unix_nano,
        is_error=span.is_error,
        input_tokens=token_count(span.attributes.get(conventions.USAGE_INPUT_TOKENS), model_call),
        output_tokens=token_count(span.attributes.get(conventions.USAGE_OUTPUT_TOKENS), model_call),
        service="" if service is None else str(service),
    )


def summarize_traces(spans: Iterable[SpanRecord]) -> list[TraceSummary]:
    """One summary per trace, newest (latest start) first."""
    traces = _by_trace(facts_of(span) for span in spans)
    summaries = [summarize(trace_id, members) for trace_id, members in traces.items()]
    summaries.sort(key=lambda summary: (-summary.start_unix_nano, summary.trace_id))
    return summaries


def summarize(trace_id: str, facts: Sequence[SpanFacts]) -> TraceSummary:
    """The summary of one trace's spans (at least one), given in file order."""
    start = min(span.start_unix_nano for span in facts)
    end = max(span.end_unix_nano for span in facts)
    return TraceSummary(
        trace_id=trace_id,
        root_name=root_span(facts).name,
        start_unix_nano=start,
        duration_nano=max(0, end - start),
        span_count=len(facts),
        error_count=sum(1 for span in facts if span.is_error),
        input_tokens=sum(span.input_tokens for span in facts),
        output_tokens=sum(span.output_tokens for span in facts),
        services=tuple(sorted({span.service for span in facts if span.service})),
    )


def spans_of_trace(spans: Iterable[SpanRecord], trace_id_or_prefix: str) -> list[SpanRecord]:
    """The spans (in the given order) of the trace with this id or unique id prefix."""
    traces = _by_trace(spans)
    return traces[resolve_trace_id(traces, trace_id_or_prefix)]


def resolve_trace_id(trace_ids: Iterable[str], trace_id_or_prefix: str) -> str:
    """The one id of ``trace_ids`` equal to, or else starting with, the given text."""
    wanted = trace_id_or_prefix.strip().lower()
    if not wanted:
        raise TraceNotFound("no trace id given")
    matches = sorted(trace_id for trace_id in trace_ids if trace_id.startswith(wanted))
    if wanted in matches:
        return wanted
    if not matches:
        raise TraceNotFound(f"no trace id starts with {wanted!r}")
    if len(matches) > 1:
        raise AmbiguousTraceId(f"{len(matches)} traces start with {wanted!r}: {', '.join(matches)}")
    return matches[0]


class _SpanLike(Protocol):
    @property
    def span_id(self) -> str: ...
    @property
    def parent_span_id(self) -> str | None: ...
    @property
    def start_unix_nano(self) -> int: ...


_Span = TypeVar("_Span", bound=_SpanLike)


def root_span(spans: Sequence[_Span]) -> _Span:
    """The earliest span of a trace whose parent is not in it."""
    span_ids = {span.span_id for span in spans}
    roots = [span for span in spans if span.parent_span_id not in span_ids] or list(spans)
    # min() keeps the first of equal starts, i.e. file order.
    return min(roots, key=lambda span: span.start_unix_nano)


def is_model_operation(operation: object) -> bool:
    return operation in MODEL_OPERATIONS


def token_count(value: object, counted: bool = True) -> int:
    """A usage attribute as a count: positive integers only (not bools)."""
    if counted and isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return 0


_Keyed = TypeVar("_Keyed", SpanRecord, SpanFacts)


def _by_trace(spans: Iterable[_Keyed]) -> dict[str, list[_Keyed]]:
    traces: dict[str, list[_Keyed]] = {}
    for span in spans:
        traces.setdefault(span.trace_id, []).append(span)
    return traces

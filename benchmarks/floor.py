"""The bare-SDK floor: the spans a configuration made in one call, replayed by
a loop that does nothing else.

A probe call records each span's name, kind, attributes and parent, and the
order in which spans started and ended. The replay starts and ends the same
spans in the same order and nesting, with every attribute passed at start,
the cheapest way the SDK offers to make them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import Span, SpanKind, Tracer, set_span_in_context

# One step of a replay: ["start", index, name, kind, attributes, parent index or -1]
# or ["end", index]. Lists, so a step survives the trip through JSON.
Step = list[Any]


def shape_of(spans: Sequence[ReadableSpan]) -> list[Step]:
    """The replay steps of ``spans`` (one call's spans, in any order)."""
    index_of = {span.context.span_id: index for index, span in enumerate(spans)}
    moments: list[tuple[int, int, Step]] = []
    for index, span in enumerate(spans):
        parent = index_of.get(span.parent.span_id, -1) if span.parent else -1
        attributes = {key: _plain(value) for key, value in (span.attributes or {}).items()}
        start = ["start", index, span.name, span.kind.value, attributes, parent]
        # At equal times a start comes first: a span cannot end before it starts.
        moments.append((span.start_time or 0, 0, start))
        moments.append((span.end_time or 0, 1, ["end", index]))
    moments.sort(key=lambda moment: (moment[0], moment[1]))
    return [step for _, _, step in moments]


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def spans_in(steps: Sequence[Step]) -> int:
    return sum(1 for step in steps if step[0] == "start")


def replay(tracer: Tracer, steps: Sequence[Step]) -> None:
    made: dict[int, Span] = {}
    for step in steps:
        if step[0] == "end":
            made[step[1]].end()
            continue
        _, index, name, kind, attributes, parent = step
        context = set_span_in_context(made[parent]) if parent >= 0 else None
        made[index] = tracer.start_span(
            name, context=context, kind=SpanKind(kind), attributes=attributes
        )


def time_replays(tracer: Tracer, steps: Sequence[Step], repeats: int) -> float:
    """Process CPU seconds of ``repeats`` replays of ``steps``."""
    started = time.process_time()
    for _ in range(repeats):
        replay(tracer, steps)
    return time.process_time() - started

"""What a run produced, counted as its spans end, for the summary at exit.

Every traced process of a run (the program and any Python process it starts)
appends one JSON line of counts to the file the parent named; the parent adds
the lines up. Appending a single short line is atomic on POSIX, so processes
ending together cannot interleave their counts.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import StatusCode

from otelscope.core import conventions as gen_ai
from otelscope.store.traces import MODEL_OPERATIONS


@dataclass
class SpanCounts:
    traces: int = 0
    spans: int = 0
    agent_calls: int = 0
    model_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    errors: int = 0
    # Sentences about spans that could not be exported, for the user.
    export_problems: list[str] = field(default_factory=list)

    def add(self, other: SpanCounts) -> None:
        for item in fields(self):
            mine, theirs = getattr(self, item.name), getattr(other, item.name)
            setattr(self, item.name, mine + theirs)


class CountingSpanProcessor(SpanProcessor):
    """Counts finished spans; reads attributes only, never keeps a span."""

    def __init__(self) -> None:
        self._counts = SpanCounts()
        self._trace_ids: set[int] = set()
        self._lock = threading.Lock()

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        pass

    def on_end(self, span: ReadableSpan) -> None:
        attributes = span.attributes or {}
        operation = attributes.get(gen_ai.OPERATION_NAME)
        with self._lock:
            counts = self._counts
            counts.spans += 1
            if span.context is not None:
                self._trace_ids.add(span.context.trace_id)
            counts.agent_calls += operation == gen_ai.OP_INVOKE_AGENT
            if operation in MODEL_OPERATIONS:
                counts.model_calls += 1
                counts.input_tokens += _int(attributes.get(gen_ai.USAGE_INPUT_TOKENS))
                counts.output_tokens += _int(attributes.get(gen_ai.USAGE_OUTPUT_TOKENS))
            counts.errors += span.status.status_code == StatusCode.ERROR

    def snapshot(self) -> SpanCounts:
        with self._lock:
            return SpanCounts(**{**asdict(self._counts), "traces": len(self._trace_ids)})


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def append_counts(path: Path, counts: SpanCounts) -> None:
    line = json.dumps(asdict(counts)) + "\n"
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode())
    finally:
        os.close(descriptor)


def read_counts(path: Path) -> SpanCounts | None:
    """The sum of every process's line; None if no traced process reported."""
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return None
    total = SpanCounts()
    reported = False
    known = {item.name for item in fields(SpanCounts)}
    for line in lines:
        try:
            raw = json.loads(line)
            total.add(SpanCounts(**{key: raw[key] for key in known if key in raw}))
        except (ValueError, TypeError):
            continue  # a process killed mid-write; the others still count
        reported = True
    return total if reported else None

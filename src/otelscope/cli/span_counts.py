"""What a run produced, counted as its spans end, for the summary at exit.

Every traced process of a run (the program and any Python process it starts)
appends one JSON line of counts to the file the parent named; the parent adds
the lines up. A trace that crosses processes (a client and the server it
started) is counted once: each line lists the ids of the traces its process
took part in, and the parent counts the distinct ids. Each line is appended
on an ``O_APPEND`` descriptor under an exclusive ``flock``, so processes
ending together cannot interleave their counts, however long a line.
"""

from __future__ import annotations

import fcntl
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
    # The traces spans were counted in, as lowercase hex ids.
    trace_ids: set[str] = field(default_factory=set)
    spans: int = 0
    agent_calls: int = 0
    model_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    errors: int = 0
    # Sentences about spans that could not be exported, for the user.
    export_problems: list[str] = field(default_factory=list)

    @property
    def traces(self) -> int:
        return len(self.trace_ids)

    def add(self, other: SpanCounts) -> None:
        for item in fields(self):
            mine, theirs = getattr(self, item.name), getattr(other, item.name)
            setattr(self, item.name, mine | theirs if isinstance(mine, set) else mine + theirs)


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
            trace_ids = {f"{trace_id:032x}" for trace_id in self._trace_ids}
            return SpanCounts(**{**asdict(self._counts), "trace_ids": trace_ids})


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def append_counts(path: Path, counts: SpanCounts) -> None:
    line = json.dumps({**asdict(counts), "trace_ids": sorted(counts.trace_ids)}) + "\n"
    data = memoryview(line.encode())
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        # A long line (a process in many traces) stays whole beside the others'.
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        while data:
            data = data[os.write(descriptor, data) :]
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
    known = {item.name for item in fields(SpanCounts)} - {"trace_ids"}
    for line in lines:
        try:
            raw = json.loads(line)
            trace_ids = raw.get("trace_ids", [])
            if not isinstance(trace_ids, list):
                raise TypeError("trace_ids is not a list")
            values = {key: raw[key] for key in known if key in raw}
            total.add(SpanCounts(**values, trace_ids={str(item) for item in trace_ids}))
        except (ValueError, TypeError):
            continue  # a process killed mid-write; the others still count
        reported = True
    return total if reported else None

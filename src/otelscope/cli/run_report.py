"""What a run produced, reported by each of its processes, for the summary.

Every traced process of a run (the program and any Python process it starts)
appends JSON lines to the file the parent named (``RunReporter``):

- ``start`` when otelscope starts in it;
- ``export`` after each batch of spans a destination took or refused: how
  many spans, the traces they belong to (each id once per destination), the
  first reason of a failure. Written as it happens, so what reached the store
  is known even when the process is killed before it can say anything else;
- ``exit`` at exit: what it recorded (traces, agent, model and tool calls,
  tokens, failures), counted as its spans ended.

The parent folds the lines into a ``RunReport``. A trace several processes
took part in is counted once (the parent counts distinct trace ids), and a
process that started but never wrote its ``exit`` line (killed) is known.
Each line is appended on an ``O_APPEND`` descriptor under an exclusive
``flock``, so processes writing together cannot interleave their lines,
however long a line.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

# The file every process of a run reports to, named by the parent.
COUNTS_FILE_ENV = "OTELSCOPE_RUN_COUNTS_FILE"

START, EXPORT, EXIT = "start", "export", "exit"

# The kinds of destination.
STORE, OTLP, CONSOLE = "store", "otlp", "console"

Record = TypeVar("Record", "SpanCounts", "Delivery")


@dataclass
class SpanCounts:
    """What processes recorded, counted as their spans ended."""

    # The traces spans were counted in, as lowercase hex ids.
    trace_ids: set[str] = field(default_factory=set)
    spans: int = 0
    agent_calls: int = 0
    model_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    # Failed agent calls: the run's errors. A failed call's model call and
    # round fail with it, so counting spans would count one failure thrice.
    errors: int = 0
    failed_model_calls: int = 0
    failed_tool_calls: int = 0
    # The model calls with a known price (otelscope's table, $OTELSCOPE_PRICES
    # over it) and their cost in US dollars; the others' cost is unknown.
    priced_model_calls: int = 0
    cost_usd: float = 0.0

    @property
    def traces(self) -> int:
        return len(self.trace_ids)

    def add(self, other: SpanCounts) -> None:
        for item in fields(self):
            mine, theirs = getattr(self, item.name), getattr(other, item.name)
            setattr(self, item.name, mine | theirs if isinstance(mine, set) else mine + theirs)


@dataclass
class Delivery:
    """What one destination took (``exported``) or refused (``failed``)."""

    kind: str  # STORE, OTLP or CONSOLE
    target: str  # the store directory, the OTLP endpoint, the console stream
    exported: int = 0
    failed: int = 0
    # The first failure's reason, "" when the exporter gave none.
    error: str = ""
    # The traces of the exported spans.
    trace_ids: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.target)

    def add(self, other: Delivery) -> None:
        self.exported += other.exported
        self.failed += other.failed
        self.error = self.error or other.error
        self.trace_ids |= other.trace_ids


@dataclass
class RunReport:
    """Every process's lines, added up."""

    # What the processes that reached their exit recorded.
    counts: SpanCounts = field(default_factory=SpanCounts)
    deliveries: dict[tuple[str, str], Delivery] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)
    finished: set[int] = field(default_factory=set)

    @property
    def unfinished(self) -> set[int]:
        """Processes that started otelscope but never reported their exit."""
        return self.started - self.finished

    def delivery(self, kind: str, target: str) -> Delivery:
        return self.deliveries.get((kind, target)) or Delivery(kind, target)


class RunReporter:
    """Writes one process's lines; never raises (the program must not notice)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._pid = os.getpid()

    def started(self) -> None:
        self._append({"event": START})

    def exported(self, delivery: Delivery) -> None:
        self._append({"event": EXPORT, "delivery": _plain(delivery)})

    def exited(self, counts: SpanCounts) -> None:
        self._append({"event": EXIT, "counts": _plain(counts)})

    def _append(self, line: dict[str, Any]) -> None:
        # OSError: the parent is gone (its directory with it): nobody to tell.
        with contextlib.suppress(OSError):
            append_line(self._path, {**line, "pid": self._pid})


def _plain(record: SpanCounts | Delivery) -> dict[str, Any]:
    return {**asdict(record), "trace_ids": sorted(record.trace_ids)}


def append_line(path: Path, line: dict[str, Any]) -> None:
    data = memoryview((json.dumps(line) + "\n").encode())
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        # A long line (a process in many traces) stays whole beside the others'.
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        while data:
            data = data[os.write(descriptor, data) :]
    finally:
        os.close(descriptor)


def read_report(path: Path) -> RunReport | None:
    """Every process's lines added up; None if no traced process wrote one."""
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return None
    report = RunReport()
    read_any = False
    for line in lines:
        try:
            _fold(report, json.loads(line))
        except (ValueError, TypeError, KeyError, AttributeError):
            continue  # a process killed mid-write; the others still count
        read_any = True
    return report if read_any else None


def _fold(report: RunReport, raw: dict[str, Any]) -> None:
    pid = int(raw["pid"])
    event = raw["event"]
    if event == START:
        report.started.add(pid)
    elif event == EXPORT:
        delivery = _record(Delivery, raw["delivery"])
        report.deliveries.setdefault(delivery.key, Delivery(*delivery.key)).add(delivery)
    elif event == EXIT:
        report.counts.add(_record(SpanCounts, raw["counts"]))
        report.finished.add(pid)
    else:
        raise ValueError(f"unknown event {event!r}")


def _record(kind: type[Record], raw: dict[str, Any]) -> Record:
    """``kind`` from its JSON form; unknown keys (another version's) are ignored."""
    trace_ids = raw.get("trace_ids", [])
    if not isinstance(trace_ids, list):
        raise TypeError("trace_ids is not a list")
    known = {item.name for item in fields(kind)} - {"trace_ids"}
    values = {key: raw[key] for key in known if key in raw}
    return kind(**values, trace_ids={str(item) for item in trace_ids})

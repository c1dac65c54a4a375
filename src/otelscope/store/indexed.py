"""Listing traces and reading one trace through the index.

Each call brings the index up to date first (``indexing``: reconcile under
the store's shared lock, then read what was appended since the index last
saw each file), then answers from it: the list from the ``traces`` table
alone, one trace from the byte ranges of the lines that hold its spans, read
through the snapshot's descriptors (so a rotation meanwhile changes nothing).

The index is never trusted blindly and never needed: an index of another
schema version is emptied and rebuilt; a file that is not a database (or a
damaged one) is deleted and rebuilt; where no index file can be written or
locked (a read-only store, a busy one), a private in-memory index is built
from the lines.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from otelscope.store.index_db import TraceIndex, discard_index_file
from otelscope.store.indexing import ReadCounts, catch_up, problems_of, reconcile
from otelscope.store.layout import shared_lock
from otelscope.store.reader import StoreNotFound, StoreProblem, decode_store_line
from otelscope.store.records import SpanRecord
from otelscope.store.snapshot import DataFile, close_files, open_data_files
from otelscope.store.traces import (
    AmbiguousTraceId,
    NoTraces,
    TraceNotFound,
    TraceSummary,
    resolve_trace_id,
)

# How long a reader waits for another process's block of index upkeep.
READER_BUSY_SECONDS = 30.0

_Result = TypeVar("_Result")


@dataclass
class TraceListing:
    """The newest traces (at most the limit asked for), newest first."""

    summaries: list[TraceSummary]
    total: int
    problems: list[StoreProblem] = field(default_factory=list)
    counts: ReadCounts = field(default_factory=ReadCounts)


@dataclass
class TraceSpans:
    """One trace's spans, in file order, or why there is no such trace
    (``TraceNotFound``, ``NoTraces`` or ``AmbiguousTraceId``)."""

    trace_id: str
    spans: list[SpanRecord]
    problems: list[StoreProblem] = field(default_factory=list)
    counts: ReadCounts = field(default_factory=ReadCounts)
    not_found: LookupError | None = None


@dataclass
class _View:
    """An index brought up to date with one snapshot of the data files."""

    index: TraceIndex
    files: dict[int, DataFile]
    problems: list[StoreProblem]
    counts: ReadCounts


def list_traces(directory: Path, limit: int) -> TraceListing:
    """The ``limit`` newest traces of the store; ``StoreNotFound`` if absent."""

    def listing(view: _View) -> TraceListing:
        summaries = view.index.newest(limit)
        return TraceListing(summaries, view.index.trace_count(), view.problems, view.counts)

    return _with_view(Path(directory), listing)


def read_trace(directory: Path, trace_id_or_prefix: str | None) -> TraceSpans:
    """The spans of the trace with this id or unique prefix (``None``: the
    newest trace); ``StoreNotFound`` if the store is absent."""

    def spans(view: _View) -> TraceSpans:
        try:
            trace_id = _chosen_trace(view.index, trace_id_or_prefix)
        except (TraceNotFound, AmbiguousTraceId) as not_found:
            return TraceSpans("", [], view.problems, view.counts, not_found)
        return TraceSpans(trace_id, _spans_of(view, trace_id), view.problems, view.counts)

    return _with_view(Path(directory), spans)


def _chosen_trace(index: TraceIndex, trace_id_or_prefix: str | None) -> str:
    if trace_id_or_prefix is None:
        newest = index.newest(1)
        if not newest:
            raise NoTraces("the store holds no traces")
        return newest[0].trace_id
    wanted = trace_id_or_prefix.strip().lower()
    candidates = index.trace_ids_starting(wanted) if wanted else []
    return resolve_trace_id(candidates, trace_id_or_prefix)


def _spans_of(view: _View, trace_id: str) -> list[SpanRecord]:
    """Reads only the lines that hold the trace's spans, in file order."""
    order = {file_key: position for position, file_key in enumerate(view.files)}
    ranges = sorted(
        (line for line in view.index.lines_of_trace(trace_id) if line.file_key in view.files),
        key=lambda line: (order[line.file_key], line.offset),
    )
    spans: list[SpanRecord] = []
    for line in ranges:
        data = view.files[line.file_key].read(line.offset, line.length)
        view.counts.bytes_read += len(data)
        view.counts.lines_decoded += 1
        decoded = decode_store_line(data)
        if not isinstance(decoded, str):
            spans.extend(span for span in decoded if span.trace_id == trace_id)
    return spans


def _with_view(directory: Path, work: Callable[[_View], _Result]) -> _Result:
    """``work`` on the up-to-date index of the store: its file, rebuilt once
    if it is not a sound database, else a private in-memory one."""
    if not directory.is_dir():
        raise StoreNotFound(directory)
    for discard_first in (False, True):
        try:
            if discard_first:
                discard_index_file(directory)
            index = TraceIndex.open_file(directory, busy_seconds=READER_BUSY_SECONDS)
            with _closing(index):
                return _with_index(index, directory, work)
        except (OSError, sqlite3.OperationalError):
            break  # cannot be written, or stays locked: not damaged, left alone
        except sqlite3.DatabaseError:
            continue  # not a database, or a damaged one: rebuilt once
    with _closing(TraceIndex.in_memory()) as index:
        return _with_index(index, directory, work)


@contextmanager
def _closing(index: TraceIndex) -> Iterator[TraceIndex]:
    try:
        yield index
    finally:
        index.close()


def _with_index(index: TraceIndex, directory: Path, work: Callable[[_View], _Result]) -> _Result:
    with ExitStack() as stack:
        with shared_lock(directory):
            snapshot = open_data_files(directory)
            stack.callback(close_files, snapshot)
            with index.transaction():
                files = reconcile(index, snapshot)
        counts = ReadCounts()
        torn = [catch_up(index, key, data_file, counts) for key, data_file in files.items()]
        problems = [StoreProblem(path, 0, reason) for path, reason in snapshot.unopened]
        problems += _in_file_order(problems_of(index, files), [p for p in torn if p], files)
        return work(_View(index, files, problems, counts))
    raise AssertionError("unreachable")  # ExitStack may swallow, for mypy


def _in_file_order(
    stored: list[StoreProblem], torn: list[StoreProblem], files: dict[int, DataFile]
) -> list[StoreProblem]:
    order = {data_file.path: position for position, data_file in enumerate(files.values())}
    return sorted(stored + torn, key=lambda problem: (order[problem.path], problem.line))

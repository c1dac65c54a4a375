"""The writers' side of the index: each export adds its own line to it.

While the exporter still holds the store's exclusive lock after appending a
line, it reconciles the index with the files (a rotation it just made
renames a row, a file it deleted drops its rows) and adds the facts of the
spans it wrote, taken from the SDK's spans, not decoded back from JSON. It
does so only when the index is exactly up to the line's start: anything else
(no index yet, lines another producer wrote, a torn line before this one) is
left to the next reader, which catches up from the lines.

Telemetry never breaks the program: the lines are the truth, so a failure
here is reported once (until upkeep works again) and the export still
succeeds. A reader holding the index for long makes upkeep skip quietly
rather than stall the writers behind the store's lock.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from otelscope.core import conventions
from otelscope.store.index_db import HEAD_BYTES, INDEX_FILE_NAME, IndexedLine, TraceIndex
from otelscope.store.indexing import reconcile
from otelscope.store.snapshot import DataFile, close_files, open_data_files
from otelscope.store.traces import SpanFacts, is_model_operation, token_count

logger = logging.getLogger("otelscope.store")

# Upkeep waits this long for a reader's block of catching up, then skips.
WRITER_BUSY_SECONDS = 0.2


class IndexUpkeep:
    """Keeps one process's connection to a store's index (reopened after a fork
    or when the index file was replaced) and adds each exported line to it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._index: TraceIndex | None = None
        self._opened_in: tuple[int, int | None] | None = None  # (pid, inode of the file)
        self._reported: str | None = None
        self._lock = threading.Lock()

    def line_appended(
        self, path: Path, offset: int, length: int, spans: Sequence[ReadableSpan]
    ) -> None:
        """Called under the store's exclusive lock; never raises."""
        try:
            with self._lock:
                self._add_line(path, offset, length, spans)
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                self._report(error)
            self._close()
        except Exception as error:
            self._report(error)
            self._close()
        else:
            self._reported = None

    def close(self) -> None:
        with self._lock:
            self._close()

    def _add_line(
        self, path: Path, offset: int, length: int, spans: Sequence[ReadableSpan]
    ) -> None:
        index = self._open()
        snapshot = open_data_files(self.directory)
        try:
            with index.transaction():
                files = reconcile(index, snapshot)
                key, active = _key_of(files, path)
                row = index.file_row(key)
                if row is None or row.indexed_bytes != offset or row.open_tail:
                    return  # lines before this one are not indexed: a reader will
                facts = [facts_of_span(span) for span in spans]
                head = active.read(0, min(offset + length, HEAD_BYTES))
                line = IndexedLine(offset, length, row.indexed_lines + 1, facts)
                index.record_lines(key, [line], indexed_bytes=offset + length, head=head)
        finally:
            close_files(snapshot)

    def _open(self) -> TraceIndex:
        path = self.directory / INDEX_FILE_NAME
        identity = (os.getpid(), _inode_or_none(path))
        if self._index is None or identity != self._opened_in:
            self._close()
            self._index = TraceIndex.open_file(self.directory, busy_seconds=WRITER_BUSY_SECONDS)
            self._opened_in = (os.getpid(), _inode_or_none(path))
        return self._index

    def _close(self) -> None:
        index, self._index = self._index, None
        # A connection inherited through fork belongs to the parent: dropped, not closed.
        if index is not None and self._opened_in and self._opened_in[0] == os.getpid():
            index.close()

    def _report(self, error: Exception) -> None:
        reason = f"{type(error).__name__}: {error}"
        if reason == self._reported:
            return
        self._reported = reason
        logger.warning(
            "otelscope: the index of the store at %s is not kept up to date (%s); "
            "`otelscope show` catches up from the stored lines",
            self.directory,
            reason,
        )


def _key_of(files: dict[int, DataFile], path: Path) -> tuple[int, DataFile]:
    for key, data_file in files.items():
        if data_file.path == path:
            return key, data_file
    raise FileNotFoundError(f"{path} vanished while its lock was held")


def _inode_or_none(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def facts_of_span(span: ReadableSpan) -> SpanFacts:
    """What ``traces.facts_of`` would read from this span's stored line."""
    context = span.get_span_context()
    assert context is not None  # the encoder refused the batch otherwise
    attributes = span.attributes or {}
    model_call = is_model_operation(attributes.get(conventions.OPERATION_NAME))
    service = span.resource.attributes.get("service.name")
    return SpanFacts(
        trace_id=f"{context.trace_id:032x}",
        span_id=f"{context.span_id:016x}",
        parent_span_id=f"{span.parent.span_id:016x}" if span.parent else None,
        name=span.name,
        start_unix_nano=span.start_time or 0,
        end_unix_nano=span.end_time or 0,
        is_error=span.status.status_code is StatusCode.ERROR,
        input_tokens=token_count(attributes.get(conventions.USAGE_INPUT_TOKENS), model_call),
        output_tokens=token_count(attributes.get(conventions.USAGE_OUTPUT_TOKENS), model_call),
        service="" if service is None else str(service),
    )

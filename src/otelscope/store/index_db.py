"""The store's index: a SQLite file beside the lines, holding what listing
traces and finding one trace need, so neither reads the whole store.

The OTLP JSON lines stay the truth; the index is a cache of them that can be
thrown away and rebuilt at any time. It holds:

- ``files``: each data file it has read, by name and identity (device, inode
  and its first bytes, so a file renamed by a rotation keeps its rows and a
  file replaced under the same name loses them), how far it was read (bytes
  and lines), and whether its last read line had no newline yet;
- ``spans``: per span, the facts a trace's summary needs (``SpanFacts``) and
  the byte range of the line that holds it;
- ``traces``: per trace, its summary (start, duration, root span name,
  services, span and error counts, model tokens), recomputed from its span
  rows whenever rows of the trace come or go;
- ``problems``: the lines that could not be read, with their line numbers.

A schema version other than ``SCHEMA_VERSION`` (``PRAGMA user_version``)
empties the index; callers rebuild it. Every change happens in a
``transaction()`` (``BEGIN IMMEDIATE``), so several processes keep one index.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from otelscope.store.layout import OWNER_ONLY_FILE
from otelscope.store.traces import SpanFacts, TraceSummary, summarize

INDEX_FILE_NAME = "traces.index.sqlite"
SCHEMA_VERSION = 1
# How much of a file's beginning is kept to tell it from another file that
# got the same inode after the first was deleted.
HEAD_BYTES = 1024
_INT64_MAX = 2**63 - 1

_SCHEMA = """
CREATE TABLE files (
    file_key INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    device INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    head BLOB NOT NULL,
    indexed_bytes INTEGER NOT NULL,
    indexed_lines INTEGER NOT NULL,
    open_tail INTEGER NOT NULL
);
CREATE TABLE traces (
    trace_key INTEGER PRIMARY KEY,
    trace_id TEXT NOT NULL UNIQUE,
    start_ns INTEGER NOT NULL DEFAULT 0,
    duration_ns INTEGER NOT NULL DEFAULT 0,
    root_name TEXT NOT NULL DEFAULT '',
    services TEXT NOT NULL DEFAULT '[]',
    span_count INTEGER NOT NULL DEFAULT 0,
    error_count INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX traces_newest_first ON traces (start_ns DESC, trace_id);
CREATE TABLE spans (
    trace_key INTEGER NOT NULL,
    file_key INTEGER NOT NULL,
    line_offset INTEGER NOT NULL,
    line_length INTEGER NOT NULL,
    span_id TEXT NOT NULL,
    parent_id TEXT,
    name TEXT NOT NULL,
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    error INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    service TEXT NOT NULL
);
CREATE INDEX spans_of_trace ON spans (trace_key);
CREATE INDEX spans_of_file ON spans (file_key);
CREATE TABLE problems (
    file_key INTEGER NOT NULL,
    line INTEGER NOT NULL,
    reason TEXT NOT NULL
);
"""


class FileRow(NamedTuple):
    file_key: int
    name: str
    device: int
    inode: int
    head: bytes
    indexed_bytes: int
    indexed_lines: int
    open_tail: bool


class IndexedLine(NamedTuple):
    """One line read from a data file: its spans' facts, or why it was skipped."""

    offset: int
    length: int
    number: int
    spans: Sequence[SpanFacts]
    problem: str | None = None


class LineRange(NamedTuple):
    file_key: int
    offset: int
    length: int


class TraceIndex:
    """One connection to an index; ``open_file`` or ``in_memory`` make one."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open_file(cls, directory: Path, *, busy_seconds: float) -> TraceIndex:
        """The index file of ``directory``, created owner-only if missing."""
        path = directory / INDEX_FILE_NAME
        _create_owner_only(path)
        connection = _connect(str(path), busy_seconds)
        try:
            # WAL: readers never block the writers' upkeep; NORMAL: no fsync
            # per commit (a lost commit only means lines to read again).
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            index = cls(connection, path)
            index.ensure_schema()
        except BaseException:
            connection.close()
            raise
        return index

    @classmethod
    def in_memory(cls) -> TraceIndex:
        """A private index, for a store where no index file can be written."""
        index = cls(_connect(":memory:", 0), None)
        index.ensure_schema()
        return index

    def close(self) -> None:
        self._db.close()

    def ensure_schema(self) -> None:
        """Creates the tables, emptying an index of another schema version."""
        if self._version() == SCHEMA_VERSION:
            return
        with self.transaction():
            if self._version() == SCHEMA_VERSION:
                return  # another process made it meanwhile
            for kind, name in self._db.execute(
                "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index') "
                "AND name NOT LIKE 'sqlite_%' ORDER BY type = 'index' DESC"
            ).fetchall():
                self._db.execute(f'DROP {kind.upper()} IF EXISTS "{name}"')
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _version(self) -> int:
        version: int = self._db.execute("PRAGMA user_version").fetchone()[0]
        return version

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # Files.

    def file_rows(self) -> list[FileRow]:
        rows = self._db.execute(f"SELECT {_FILE_COLUMNS} FROM files ORDER BY file_key")
        return [_file_row(row) for row in rows]

    def file_row(self, file_key: int) -> FileRow | None:
        row = self._db.execute(
            f"SELECT {_FILE_COLUMNS} FROM files WHERE file_key = ?", (file_key,)
        ).fetchone()
        return None if row is None else _file_row(row)

    def add_file(self, name: str, device: int, inode: int) -> int:
        cursor = self._db.execute(
            "INSERT INTO files (name, device, inode, head, indexed_bytes, indexed_lines, "
            "open_tail) VALUES (?, ?, ?, x'', 0, 0, 0)",
            (name, device, inode),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def rename_file(self, file_key: int, name: str) -> None:
        self._db.execute("UPDATE files SET name = ? WHERE file_key = ?", (name, file_key))

    def drop_file(self, file_key: int) -> None:
        """Forgets a file and its spans (its traces lose those spans)."""
        self._forget_lines_of(file_key)
        self._db.execute("DELETE FROM files WHERE file_key = ?", (file_key,))

    def restart_file(self, file_key: int) -> None:
        """Forgets what was read of a file, to read it again from its start."""
        self._forget_lines_of(file_key)
        self._db.execute(
            "UPDATE files SET head = x'', indexed_bytes = 0, indexed_lines = 0, open_tail = 0 "
            "WHERE file_key = ?",
            (file_key,),
        )

    def _forget_lines_of(self, file_key: int) -> None:
        touched = [
            key
            for (key,) in self._db.execute(
                "SELECT DISTINCT trace_key FROM spans WHERE file_key = ?", (file_key,)
            )
        ]
        self._db.execute("DELETE FROM spans WHERE file_key = ?", (file_key,))
        self._db.execute("DELETE FROM problems WHERE file_key = ?", (file_key,))
        self._refresh_traces(touched)

    def record_lines(
        self,
        file_key: int,
        lines: Sequence[IndexedLine],
        *,
        indexed_bytes: int,
        head: bytes,
        open_tail: bool = False,
    ) -> None:
        """Adds lines read from a file, which is now read up to ``indexed_bytes``."""
        trace_keys = self._trace_keys({span.trace_id for line in lines for span in line.spans})
        self._db.executemany(
            f"INSERT INTO spans ({_SPAN_COLUMNS}) VALUES ({', '.join('?' * 13)})",
            (
                (trace_keys[span.trace_id], file_key, line.offset, line.length, *_span_values(span))
                for line in lines
                for span in line.spans
            ),
        )
        self._db.executemany(
            "INSERT INTO problems (file_key, line, reason) VALUES (?, ?, ?)",
            ((file_key, line.number, line.problem) for line in lines if line.problem is not None),
        )
        self._db.execute(
            "UPDATE files SET indexed_bytes = ?, indexed_lines = indexed_lines + ?, head = ?, "
            "open_tail = ? WHERE file_key = ?",
            (indexed_bytes, len(lines), head, int(open_tail), file_key),
        )
        self._refresh_traces(trace_keys.values())

    def _trace_keys(self, trace_ids: set[str]) -> dict[str, int]:
        if not trace_ids:
            return {}
        self._db.executemany(
            "INSERT OR IGNORE INTO traces (trace_id) VALUES (?)", ((i,) for i in trace_ids)
        )
        rows = self._db.execute(
            "SELECT trace_id, trace_key FROM traces WHERE trace_id IN "
            "(SELECT value FROM json_each(?))",
            (json.dumps(sorted(trace_ids)),),
        )
        return dict(rows.fetchall())

    def _refresh_traces(self, trace_keys: Iterable[int]) -> None:
        """Recomputes the summaries of these traces; drops those left without spans."""
        keys = json.dumps(sorted(set(trace_keys)))
        facts: dict[int, list[SpanFacts]] = {}
        for trace_key, *values in self._db.execute(
            f"SELECT trace_key, {_FACT_COLUMNS} FROM spans "
            "WHERE trace_key IN (SELECT value FROM json_each(?)) ORDER BY trace_key, rowid",
            (keys,),
        ):
            facts.setdefault(trace_key, []).append(_facts(values))
        self._db.execute(
            "DELETE FROM traces WHERE trace_key IN (SELECT value FROM json_each(?)) "
            "AND trace_key NOT IN (SELECT value FROM json_each(?))",
            (keys, json.dumps(list(facts))),
        )
        self._db.executemany(
            "UPDATE traces SET start_ns = ?, duration_ns = ?, root_name = ?, services = ?, "
            "span_count = ?, error_count = ?, input_tokens = ?, output_tokens = ? "
            "WHERE trace_key = ?",
            ((*_summary_values(summarize("", spans)), key) for key, spans in facts.items()),
        )

    # Reading.

    def trace_count(self) -> int:
        count: int = self._db.execute("SELECT COUNT(*) FROM traces").fetchone()[0]
        return count

    def newest(self, limit: int) -> list[TraceSummary]:
        rows = self._db.execute(
            "SELECT trace_id, root_name, start_ns, duration_ns, span_count, error_count, "
            "input_tokens, output_tokens, services FROM traces "
            "ORDER BY start_ns DESC, trace_id LIMIT ?",
            (limit,),
        )
        return [_summary(row) for row in rows.fetchall()]

    def trace_ids_starting(self, prefix: str) -> list[str]:
        # Every id that starts with the prefix sorts between it and the prefix
        # followed by the highest code point.
        rows = self._db.execute(
            "SELECT trace_id FROM traces WHERE trace_id >= ? AND trace_id < ?",
            (prefix, prefix + "\U0010ffff"),
        )
        return [trace_id for (trace_id,) in rows.fetchall()]

    def lines_of_trace(self, trace_id: str) -> list[LineRange]:
        rows = self._db.execute(
            "SELECT DISTINCT file_key, line_offset, line_length FROM spans WHERE trace_key = "
            "(SELECT trace_key FROM traces WHERE trace_id = ?)",
            (trace_id,),
        )
        return [LineRange(*row) for row in rows.fetchall()]

    def problems(self) -> list[tuple[int, int, str]]:
        rows = self._db.execute("SELECT file_key, line, reason FROM problems ORDER BY rowid")
        return [(file_key, line, reason) for file_key, line, reason in rows.fetchall()]


def discard_index_file(directory: Path) -> None:
    """Deletes an index file that is not a usable database, and its companions."""
    path = directory / INDEX_FILE_NAME
    path.unlink(missing_ok=True)
    _remove_companions(path)


def _create_owner_only(path: Path) -> None:
    """Creates the index file if missing, owner-only: SQLite gives its -wal and
    -shm files the database's mode, so none is ever readable by others."""
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(descriptor, OWNER_ONLY_FILE)
    finally:
        os.close(descriptor)
    # A log left by a deleted index would be replayed into the new one.
    _remove_companions(path)


def _remove_companions(path: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _connect(database: str, busy_seconds: float) -> sqlite3.Connection:
    # Autocommit: transactions are explicit (BEGIN IMMEDIATE), so a reader that
    # will write takes the write lock before it reads what it will change.
    return sqlite3.connect(
        database, timeout=busy_seconds, isolation_level=None, check_same_thread=False
    )


_FILE_COLUMNS = "file_key, name, device, inode, head, indexed_bytes, indexed_lines, open_tail"
_FACT_COLUMNS = (
    "span_id, parent_id, name, start_ns, end_ns, error, input_tokens, output_tokens, service"
)
_SPAN_COLUMNS = f"trace_key, file_key, line_offset, line_length, {_FACT_COLUMNS}"


def _file_row(row: tuple[int, str, int, int, bytes, int, int, int]) -> FileRow:
    return FileRow(*row[:-1], open_tail=bool(row[-1]))


def _span_values(span: SpanFacts) -> tuple[object, ...]:
    return (
        span.span_id,
        span.parent_span_id,
        span.name,
        _clamped(span.start_unix_nano),
        _clamped(span.end_unix_nano),
        int(span.is_error),
        _clamped(span.input_tokens),
        _clamped(span.output_tokens),
        span.service,
    )


def _facts(values: list[Any]) -> SpanFacts:
    span_id, parent_id, name, start, end, error, input_tokens, output_tokens, service = values
    return SpanFacts(
        "", span_id, parent_id, name, start, end, bool(error), input_tokens, output_tokens, service
    )


def _summary(row: tuple[Any, ...]) -> TraceSummary:
    trace_id, root_name, start, duration, spans, errors, input_tokens, output_tokens, services = row
    return TraceSummary(
        trace_id=trace_id,
        root_name=root_name,
        start_unix_nano=start,
        duration_nano=duration,
        span_count=spans,
        error_count=errors,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        services=tuple(json.loads(services)),
    )


def _summary_values(summary: TraceSummary) -> tuple[object, ...]:
    return (
        summary.start_unix_nano,
        summary.duration_nano,
        summary.root_name,
        json.dumps(summary.services),
        summary.span_count,
        summary.error_count,
        _clamped(summary.input_tokens),
        _clamped(summary.output_tokens),
    )


def _clamped(value: int) -> int:
    """Within SQLite's 64-bit integers (a producer may write any number)."""
    return max(-_INT64_MAX - 1, min(_INT64_MAX, value))

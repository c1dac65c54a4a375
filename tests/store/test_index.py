"""The store's index: kept by the writers, caught up by readers, rebuilt when
it cannot be trusted, and read instead of the whole store.

Every test checks the index's answers against a full read of the lines
(``read_store`` and ``summarize_traces``), and counts what was read (lines
decoded, bytes), never time.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult

from otelscope.store import (
    LocalStoreSpanExporter,
    StoreProblem,
    index_db,
    list_traces,
    read_store,
    read_trace,
    summarize_traces,
)
from otelscope.store.index_db import INDEX_FILE_NAME, TraceIndex
from otelscope.store.index_upkeep import IndexUpkeep
from otelscope.store.otlp_json import encode_line
from tests.store.spans import plain_span

CHAT = {"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 7}


def call(trace: int, *, service: str = "writer") -> list[ReadableSpan]:
    """An agent span (span id trace*10) and two children, all of one trace."""
    root = trace * 10
    return [
        plain_span(trace, root + 1, "chat", CHAT, service=service, parent_id=root),
        plain_span(trace, root + 2, "tool", service=service, parent_id=root),
        plain_span(trace, root, f"invoke_agent {trace}", service=service),
    ]


def export(exporter: LocalStoreSpanExporter, spans: list[ReadableSpan]) -> None:
    assert exporter.export(spans) is SpanExportResult.SUCCESS


def full_read(store: Path, limit: int = 100):
    return summarize_traces(read_store(store).spans)[:limit]


def assert_index_agrees(store: Path) -> None:
    listing = list_traces(store, 100)
    assert listing.summaries == full_read(store)
    assert listing.problems == read_store(store).problems
    for summary in listing.summaries:
        expected = [s for s in read_store(store).spans if s.trace_id == summary.trace_id]
        assert read_trace(store, summary.trace_id).spans == expected


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    exporter = LocalStoreSpanExporter(tmp_path)
    for trace in (1, 2, 3):
        export(exporter, call(trace))
    exporter.shutdown()
    return tmp_path


def test_the_writers_index_their_lines_and_the_list_reads_no_line(store: Path):
    listing = list_traces(store, 100)

    assert (listing.counts.lines_decoded, listing.counts.bytes_read) == (0, 0)
    assert listing.total == 3
    assert [summary.root_name for summary in listing.summaries] == [
        "invoke_agent 3",
        "invoke_agent 2",
        "invoke_agent 1",
    ]
    assert listing.summaries[0].input_tokens == 7
    assert listing.summaries[0].services == ("writer",)
    assert_index_agrees(store)


def test_one_trace_reads_only_the_lines_that_hold_it(store: Path):
    second_line = lines_of(store / "traces.jsonl")[1]

    found = read_trace(store, f"{2:032x}")

    assert [span.name for span in found.spans] == ["chat", "tool", "invoke_agent 2"]
    assert (found.counts.lines_decoded, found.counts.bytes_read) == (1, len(second_line))


def test_the_limit_and_the_total(store: Path):
    listing = list_traces(store, 2)

    assert [summary.root_name for summary in listing.summaries] == [
        "invoke_agent 3",
        "invoke_agent 2",
    ]
    assert listing.total == 3


def test_lines_written_without_the_index_are_caught_up_once(store: Path):
    active = store / "traces.jsonl"
    with active.open("ab") as file:
        file.write(encode_line(call(4)) + encode_line(call(5)))

    first = list_traces(store, 100)
    again = list_traces(store, 100)

    assert first.counts.lines_decoded == 2
    assert first.counts.bytes_read == len(b"".join(lines_of(active)[3:]))
    assert (again.counts.lines_decoded, again.counts.bytes_read) == (0, 0)
    assert again.total == 5
    assert_index_agrees(store)


def test_a_writer_after_a_gap_leaves_it_to_the_readers(store: Path):
    with (store / "traces.jsonl").open("ab") as file:
        file.write(encode_line(call(4)))
    export(LocalStoreSpanExporter(store), call(5))

    listing = list_traces(store, 100)

    assert (listing.counts.lines_decoded, listing.total) == (2, 5)
    assert_index_agrees(store)


def test_a_missing_index_is_rebuilt(store: Path):
    (store / INDEX_FILE_NAME).unlink()

    listing = list_traces(store, 100)

    assert listing.counts.lines_decoded == 3
    assert (store / INDEX_FILE_NAME).exists()
    assert_index_agrees(store)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(b"this is not a database, only text" * 100, id="not-a-database"),
        pytest.param(b"", id="empty-file"),
        pytest.param(b"SQLite format 3\x00" + b"\xff" * 4000, id="bad-header"),
    ],
)
def test_an_index_that_is_not_a_database_is_rebuilt(store: Path, damage: bytes):
    for companion in ("-wal", "-shm"):
        (store / f"{INDEX_FILE_NAME}{companion}").unlink(missing_ok=True)
    (store / INDEX_FILE_NAME).write_bytes(damage)

    listing = list_traces(store, 100)

    assert listing.counts.lines_decoded == 3
    assert_index_agrees(store)
    assert list_traces(store, 100).counts.lines_decoded == 0


def test_an_index_of_another_schema_version_is_rebuilt(store: Path):
    with sqlite3.connect(store / INDEX_FILE_NAME) as connection:
        connection.execute(f"PRAGMA user_version = {index_db.SCHEMA_VERSION + 1}")

    listing = list_traces(store, 100)

    assert listing.counts.lines_decoded == 3
    assert_index_agrees(store)


def test_a_file_shorter_than_its_indexed_part_is_read_again(store: Path):
    active = store / "traces.jsonl"
    active.write_bytes(lines_of(active)[0])

    listing = list_traces(store, 100)

    assert (listing.counts.lines_decoded, listing.total) == (1, 1)
    assert_index_agrees(store)


def test_a_file_replaced_under_the_same_name_is_read_again(store: Path):
    active = store / "traces.jsonl"
    replacement = store / "replacement"
    # Longer than the old file, and its own inode.
    replacement.write_bytes(encode_line(call(7)) * 4)
    replacement.rename(active)

    listing = list_traces(store, 100)

    assert (listing.counts.lines_decoded, listing.total) == (4, 1)
    assert_index_agrees(store)


def test_a_file_whose_beginning_changed_is_read_again(store: Path):
    active = store / "traces.jsonl"
    data = bytearray(active.read_bytes())
    # Same inode, same size, another trace id in the first line.
    first = data.index(f"{1:032x}".encode())
    data[first : first + 32] = f"{9:032x}".encode()
    with active.open("r+b") as file:
        file.write(data)

    listing = list_traces(store, 100)

    assert listing.counts.lines_decoded == 3
    assert_index_agrees(store)


def test_rotation_keeps_the_rows_of_renamed_files_and_drops_those_of_deleted_ones(
    tmp_path: Path,
):
    line = len(encode_line(call(1)))
    exporter = LocalStoreSpanExporter(tmp_path, max_file_bytes=2 * line, max_rotated_files=1)
    for trace in range(1, 8):
        export(exporter, call(trace))
    exporter.shutdown()

    listing = list_traces(tmp_path, 100)

    # Traces 1-4 were in files rotated out; 5-6 in the rotated file, 7 in the active one.
    assert [summary.root_name for summary in listing.summaries] == [
        f"invoke_agent {trace}" for trace in (7, 6, 5)
    ]
    assert (listing.counts.lines_decoded, listing.counts.bytes_read) == (0, 0)
    assert_index_agrees(tmp_path)
    index = TraceIndex.open_file(tmp_path, busy_seconds=1)
    try:
        names = sorted(row.name for row in index.file_rows())
    finally:
        index.close()
    assert names == sorted(path.name for path in read_store(tmp_path).files)


def test_a_trace_across_rotated_files_and_processes_reads_back_whole(tmp_path: Path):
    shared = 5
    spans = [
        *call(shared, service="agent"),
        plain_span(shared, 60, "tools/call", service="server", parent_id=52),
    ]
    line = len(encode_line(spans[:1]))
    agent = LocalStoreSpanExporter(tmp_path, max_file_bytes=2 * line)
    server = LocalStoreSpanExporter(tmp_path, max_file_bytes=2 * line)
    # The server's span ends first, then the agent's, one batch each: four lines,
    # two files.
    export(server, spans[3:])
    for span in spans[:3]:
        export(agent, [span])

    found = read_trace(tmp_path, f"{shared:032x}")
    listing = list_traces(tmp_path, 10)

    assert len(read_store(tmp_path).files) == 2
    assert sorted(span.name for span in found.spans) == [
        "chat",
        "invoke_agent 5",
        "tool",
        "tools/call",
    ]
    assert found.counts.lines_decoded == 4
    [summary] = listing.summaries
    assert (summary.root_name, summary.span_count, summary.services) == (
        "invoke_agent 5",
        4,
        ("agent", "server"),
    )
    assert_index_agrees(tmp_path)


def test_unreadable_lines_are_problems_with_their_line_numbers(store: Path):
    active = store / "traces.jsonl"
    with active.open("ab") as file:
        file.write(b"not json\n" + encode_line(call(4)) + b'{"resourceSpans": 5}\n')

    listing = list_traces(store, 100)
    again = list_traces(store, 100)

    assert listing.problems == again.problems == read_store(store).problems
    assert [(problem.path, problem.line) for problem in listing.problems] == [
        (active, 4),
        (active, 6),
    ]
    assert listing.total == 4


def test_a_torn_last_line_is_reported_until_a_writer_ends_it(store: Path):
    active = store / "traces.jsonl"
    with active.open("ab") as file:
        file.write(encode_line(call(4))[:50])

    torn = list_traces(store, 100)
    assert torn.problems == read_store(store).problems
    assert [problem.line for problem in torn.problems] == [4]
    assert torn.problems[0].reason.startswith("incomplete last line")

    # The next writer starts a fresh line: the fragment becomes a bad line of its own.
    export(LocalStoreSpanExporter(store), call(5))
    ended = list_traces(store, 100)

    assert [(problem.line, problem.reason[:14]) for problem in ended.problems] == [
        (4, "not valid JSON")
    ]
    assert ended.total == 4
    assert_index_agrees(store)


def test_a_whole_last_line_without_its_newline_is_indexed_and_continued(store: Path):
    active = store / "traces.jsonl"
    with active.open("ab") as file:
        file.write(encode_line(call(4)).rstrip(b"\n"))
    assert list_traces(store, 100).total == 4

    export(LocalStoreSpanExporter(store), call(5))
    listing = list_traces(store, 100)

    assert (listing.counts.lines_decoded, listing.total, listing.problems) == (1, 5, [])
    assert_index_agrees(store)


def test_a_line_rewritten_after_an_unterminated_end_is_read_again(store: Path):
    active = store / "traces.jsonl"
    with active.open("ab") as file:
        file.write(encode_line(call(4)).rstrip(b"\n"))
    list_traces(store, 100)
    # Something other than our writers carried on the same line.
    with active.open("ab") as file:
        file.write(b" \n" + encode_line(call(5)))

    listing = list_traces(store, 100)

    assert listing.counts.lines_decoded == 5
    assert_index_agrees(store)


def test_without_a_writable_index_a_private_one_is_built(
    store: Path, monkeypatch: pytest.MonkeyPatch
):
    def read_only(*args: object, **kwargs: object) -> TraceIndex:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(TraceIndex, "open_file", read_only)

    listing = list_traces(store, 100)

    assert (listing.counts.lines_decoded, listing.total) == (3, 3)
    assert listing.summaries == full_read(store)


def test_a_missing_store_is_still_an_error(tmp_path: Path):
    from otelscope.store import StoreNotFound

    with pytest.raises(StoreNotFound):
        list_traces(tmp_path / "nowhere", 10)
    assert not (tmp_path / "nowhere").exists()


def test_lookups_by_prefix_and_their_failures(store: Path):
    assert read_trace(store, "  0000000000000000000000000000000").not_found is not None
    assert read_trace(store, f"{3:032x}".upper()).trace_id == f"{3:032x}"
    assert read_trace(store, "zz").not_found is not None
    assert read_trace(store, None).trace_id == f"{3:032x}"
    empty = store / "empty"
    empty.mkdir()
    assert type(read_trace(empty, None).not_found).__name__ == "NoTraces"


def test_index_upkeep_never_fails_an_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    def broken(*args: object) -> None:
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(IndexUpkeep, "_add_line", broken)
    exporter = LocalStoreSpanExporter(tmp_path)

    with caplog.at_level(logging.WARNING, logger="otelscope.store"):
        export(exporter, call(1))
        export(exporter, call(2))

    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1
    assert "not kept up to date (DatabaseError: database disk image is malformed)" in warnings[0]
    monkeypatch.undo()
    listing = list_traces(tmp_path, 10)
    assert (listing.counts.lines_decoded, listing.total) == (2, 2)


def test_a_reader_holding_the_index_makes_upkeep_skip_quietly(
    store: Path, caplog: pytest.LogCaptureFixture
):
    holder = sqlite3.connect(store / INDEX_FILE_NAME, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with caplog.at_level(logging.WARNING, logger="otelscope.store"):
            export(LocalStoreSpanExporter(store), call(4))
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert caplog.records == []
    listing = list_traces(store, 100)
    assert (listing.counts.lines_decoded, listing.total) == (1, 4)


def test_a_writer_in_a_forked_child_opens_its_own_connection(store: Path):
    exporter = LocalStoreSpanExporter(store)
    export(exporter, call(4))
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's exit code is the assertion
        status = exporter.export(call(5)) is SpanExportResult.SUCCESS
        os._exit(0 if status else 1)
    _, status = os.waitpid(child, 0)
    export(exporter, call(6))

    assert os.waitstatus_to_exitcode(status) == 0
    listing = list_traces(store, 100)
    assert (listing.counts.lines_decoded, listing.total) == (0, 6)
    assert_index_agrees(store)


def test_problems_of_unopenable_files_come_first(store: Path):
    rotated = store / "traces-20240101T000000.000000000Z.jsonl"
    rotated.write_bytes(encode_line(call(8)))
    rotated.chmod(0)
    if os.access(rotated, os.R_OK):
        pytest.skip("this user reads any file")

    listing = list_traces(store, 100)

    assert listing.problems[0] == StoreProblem(rotated, 0, "cannot open: Permission denied")


def test_the_first_line_number_is_kept_per_file(tmp_path: Path):
    line = len(encode_line(call(1)))
    exporter = LocalStoreSpanExporter(tmp_path, max_file_bytes=3 * line + 20)
    for trace in range(1, 5):
        export(exporter, call(trace))
    with (tmp_path / "traces.jsonl").open("ab") as file:
        file.write(b"oops\n")

    problems = list_traces(tmp_path, 10).problems

    assert [(problem.path.name, problem.line) for problem in problems] == [("traces.jsonl", 2)]

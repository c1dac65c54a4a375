"""Several processes exporting into one store at once: whole lines, no span lost."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from otelscope.store import (
    list_traces,
    read_store,
    read_trace,
    root_span,
    spans_of_trace,
    summarize_traces,
)
from otelscope.store.otlp_json import encode_line
from tests.store import writer_process

WRITERS = 3
EXPORTS = 150
SPANS_PER_EXPORT = 4
JOIN_TIMEOUT_SECONDS = 120


def run_writers(
    store: Path,
    exporter_options: dict[str, int],
    read_while_writing: bool = False,
    shared_traces: bool = False,
) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    processes = [
        context.Process(
            target=writer_process.write_batches,
            args=(str(store), writer),
            kwargs={
                "exports": EXPORTS,
                "spans_per_export": SPANS_PER_EXPORT,
                "exporter_options": exporter_options,
                "start": start,
                "shared_traces": shared_traces,
            },
        )
        for writer in range(WRITERS)
    ]
    for process in processes:
        process.start()
    start.set()
    # The deadline only stops a hung writer from hanging the test: such a
    # writer is killed below, and its exit code fails the test.
    deadline = time.monotonic() + JOIN_TIMEOUT_SECONDS
    while read_while_writing and any(p.is_alive() for p in processes):
        if time.monotonic() > deadline:
            break
        assert_consistent_snapshot(store)
    for process in processes:
        process.join(JOIN_TIMEOUT_SECONDS)
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(JOIN_TIMEOUT_SECONDS)
    assert [process.exitcode for process in processes] == [0] * WRITERS


def assert_consistent_snapshot(store: Path) -> None:
    """A read while writers append and rotate sees whole lines, each span once."""
    if not store.exists():
        return
    contents = read_store(store)
    assert contents.problems == []
    span_ids = [record.span_id for record in contents.spans]
    assert len(span_ids) == len(set(span_ids))
    assert len(span_ids) % SPANS_PER_EXPORT == 0
    # Readers catch the index up while the writers keep it: whole traces only.
    listing = list_traces(store, WRITERS * EXPORTS)
    assert listing.problems == []
    assert all(summary.span_count == SPANS_PER_EXPORT for summary in listing.summaries)


def assert_index_agrees(store: Path) -> None:
    """The index answers what a full read of the lines answers."""
    spans = read_store(store).spans
    listing = list_traces(store, WRITERS * EXPORTS)
    assert listing.summaries == summarize_traces(spans)
    for summary in listing.summaries[:: EXPORTS // 3]:
        expected = spans_of_trace(spans, summary.trace_id)
        assert read_trace(store, summary.trace_id).spans == expected


def expected_span_ids() -> list[str]:
    return sorted(
        f"{writer_process.span_id(writer, export, index):016x}"
        for writer in range(WRITERS)
        for export in range(EXPORTS)
        for index in range(SPANS_PER_EXPORT)
    )


def assert_every_span_once_in_each_writers_order(store: Path) -> None:
    contents = read_store(store)
    assert contents.problems == []
    assert sorted(record.span_id for record in contents.spans) == expected_span_ids()
    for writer in range(WRITERS):
        own = [record.span_id for record in contents.spans if record.name == f"writer {writer}"]
        assert own == sorted(own)


def line_length() -> int:
    lengths = {
        len(encode_line(writer_process.batch(writer, export, SPANS_PER_EXPORT)))
        for writer in range(WRITERS)
        for export in (0, EXPORTS - 1)
    }
    assert len(lengths) == 1
    return lengths.pop()


def test_lines_from_concurrent_processes_never_interleave(tmp_path: Path):
    run_writers(tmp_path, {})

    active = tmp_path / "traces.jsonl"
    lines = active.read_bytes().split(b"\n")
    assert lines.pop() == b""
    assert len(lines) == WRITERS * EXPORTS
    assert {len(line) + 1 for line in lines} == {line_length()}
    assert read_store(tmp_path).files == [active]
    assert_every_span_once_in_each_writers_order(tmp_path)
    # With no reader meanwhile, the writers indexed every line themselves.
    assert list_traces(tmp_path, 1).counts.lines_decoded == 0
    assert_index_agrees(tmp_path)


def test_rotation_under_concurrent_writers_loses_no_span(tmp_path: Path):
    lines_per_file = 20
    length = line_length()

    run_writers(
        tmp_path,
        {"max_file_bytes": lines_per_file * length, "max_rotated_files": 100},
        read_while_writing=True,
    )

    files = read_store(tmp_path).files
    full_files, rest = divmod(WRITERS * EXPORTS, lines_per_file)
    assert len(files) == full_files + 1
    assert [path.stat().st_size for path in files] == [lines_per_file * length] * full_files + [
        rest * length
    ]
    assert_every_span_once_in_each_writers_order(tmp_path)
    assert_index_agrees(tmp_path)


def test_processes_sharing_traces_keep_their_own_resources(tmp_path: Path):
    run_writers(tmp_path, {}, shared_traces=True)

    assert_every_span_once_in_each_writers_order(tmp_path)
    spans = read_store(tmp_path).spans
    for span in spans:
        writer = span.name.removeprefix("writer ")
        assert span.resource == {"service.name": f"writer-{writer}"}
    services = [f"writer-{writer}" for writer in range(WRITERS)]
    for export in range(EXPORTS):
        members = spans_of_trace(spans, f"{export + 1:032x}")
        assert sorted({str(span.resource["service.name"]) for span in members}) == services
        # One tree across the writers: a single span has no parent among them.
        ids = {span.span_id for span in members}
        assert [span.name for span in members if span.parent_span_id not in ids] == ["writer 0"]
        assert root_span(members).name == "writer 0"
    assert_index_agrees(tmp_path)
    [summary] = [s for s in list_traces(tmp_path, EXPORTS).summaries if s.trace_id == f"{1:032x}"]
    assert (summary.root_name, summary.services) == ("writer 0", tuple(services))

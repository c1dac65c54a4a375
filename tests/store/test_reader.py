"""read_store: file order, and every unreadable line reported and skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from otelscope.store import StoreNotFound, StoreProblem, read_store
from otelscope.store.otlp_json import encode_line
from tests.store.spans import TRACE_A, plain_span


def line_of(*span_ids: int) -> bytes:
    return encode_line([plain_span(TRACE_A, span_id, name=f"s{span_id}") for span_id in span_ids])


def names(store: Path) -> list[str]:
    return [record.name for record in read_store(store).spans]


def test_a_missing_store_says_where_and_how_to_create_one(tmp_path: Path):
    missing = tmp_path / "nowhere"

    with pytest.raises(StoreNotFound) as raised:
        read_store(missing)

    assert raised.value.directory == missing
    assert str(raised.value) == (
        f"no trace store at {missing}: run a program with `otelscope run` to create one "
        "(or point OTELSCOPE_STORE_DIR at an existing store)"
    )


def test_a_regular_file_is_not_a_store(tmp_path: Path):
    (tmp_path / "file").write_text("")

    with pytest.raises(StoreNotFound):
        read_store(tmp_path / "file")


def test_an_empty_store_has_nothing_and_no_problems(tmp_path: Path):
    contents = read_store(tmp_path)

    assert (contents.directory, contents.files, contents.spans, contents.problems) == (
        tmp_path,
        [],
        [],
        [],
    )


def test_rotated_files_are_read_oldest_first_then_the_active_file(tmp_path: Path):
    (tmp_path / "traces.jsonl").write_bytes(line_of(5))
    (tmp_path / "traces-20240102T000000.000000000Z.jsonl").write_bytes(line_of(3) + line_of(4))
    (tmp_path / "traces-20240101T000000.000000000Z.jsonl").write_bytes(line_of(1, 2))
    (tmp_path / "notes.jsonl").write_bytes(line_of(9))
    (tmp_path / "traces.lock").write_bytes(b"")

    contents = read_store(tmp_path)

    assert [path.name for path in contents.files] == [
        "traces-20240101T000000.000000000Z.jsonl",
        "traces-20240102T000000.000000000Z.jsonl",
        "traces.jsonl",
    ]
    assert [record.name for record in contents.spans] == ["s1", "s2", "s3", "s4", "s5"]


def test_a_corrupt_middle_line_and_a_torn_last_line_are_reported_and_skipped(tmp_path: Path):
    active = tmp_path / "traces.jsonl"
    torn = line_of(4)[:40]
    active.write_bytes(line_of(1) + b'{"resourceSpans": [}\n' + line_of(2, 3) + torn)

    contents = read_store(tmp_path)

    assert [record.name for record in contents.spans] == ["s1", "s2", "s3"]
    assert contents.problems == [
        StoreProblem(active, 2, "not valid JSON: Expecting value: column 20"),
        StoreProblem(
            active,
            4,
            "incomplete last line, no newline at the end of the file "
            "(not valid JSON: Unterminated string starting at: column 32)",
        ),
    ]
    assert str(contents.problems[0]) == f"{active}:2: not valid JSON: Expecting value: column 20"


def test_a_whole_last_line_without_its_newline_is_read(tmp_path: Path):
    (tmp_path / "traces.jsonl").write_bytes(line_of(1) + line_of(2).rstrip(b"\n"))

    contents = read_store(tmp_path)

    assert ([record.name for record in contents.spans], contents.problems) == (["s1", "s2"], [])


def test_wrong_shapes_bad_bytes_and_blank_lines(tmp_path: Path):
    active = tmp_path / "traces.jsonl"
    active.write_bytes(
        b'{"resourceMetrics":[]}\n'
        + b"\n"
        + b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"00"}]}]}]}\n'
        + b"\xff\xfe{}\n"
        + line_of(7)
        + b"[" * 100_000
        + b"\n"
    )

    contents = read_store(tmp_path)

    assert [record.name for record in contents.spans] == ["s7"]
    assert contents.problems == [
        StoreProblem(active, 1, "not an OTLP trace request: no resourceSpans: not a trace request"),
        StoreProblem(
            active, 3, "not an OTLP trace request: traceId '00' is not a 16-byte id in hex"
        ),
        StoreProblem(active, 4, "not UTF-8 text at byte 1"),
        StoreProblem(active, 6, "not readable: nested too deeply"),
    ]

"""LocalStoreSpanExporter: appending, rotation at the size bound, and failures."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult

from otelscope.core import guard
from otelscope.store import LocalStoreSpanExporter, StoreProblem, read_store
from otelscope.store.layout import unused_rotated_path
from otelscope.store.otlp_json import encode_line
from tests.store.spans import TRACE_A, plain_span

ROTATED_NAME = re.compile(r"traces-\d{8}T\d{6}\.\d{9}Z\.jsonl")


def batch(number: int) -> list[ReadableSpan]:
    """One span per batch; every batch encodes to a line of the same length."""
    return [plain_span(TRACE_A, number, name=f"step {number:02d}")]


def export_batches(exporter: LocalStoreSpanExporter, numbers: range) -> None:
    for number in numbers:
        assert exporter.export(batch(number)) is SpanExportResult.SUCCESS


def names_by_file(store: Path) -> list[list[str]]:
    contents = read_store(store)
    assert contents.problems == []
    return [[record.name for record in read_file_spans(path)] for path in contents.files]


def read_file_spans(path: Path):
    from otelscope.store.otlp_json_decode import decode_line

    return [span for line in path.read_text().splitlines() for span in decode_line(line)]


def test_the_active_file_rotates_before_a_line_would_pass_the_bound(tmp_path: Path):
    line_length = len(encode_line(batch(1)))
    assert {len(encode_line(batch(number))) for number in range(1, 11)} == {line_length}
    exporter = LocalStoreSpanExporter(tmp_path, max_file_bytes=3 * line_length)

    export_batches(exporter, range(1, 11))

    contents = read_store(tmp_path)
    assert [path.name for path in contents.files[:-1]] == sorted(
        path.name for path in tmp_path.glob("traces-*")
    )
    assert all(ROTATED_NAME.fullmatch(path.name) for path in contents.files[:-1])
    assert contents.files[-1] == tmp_path / "traces.jsonl"
    assert [path.stat().st_size for path in contents.files] == [3 * line_length] * 3 + [line_length]
    assert names_by_file(tmp_path) == [
        ["step 01", "step 02", "step 03"],
        ["step 04", "step 05", "step 06"],
        ["step 07", "step 08", "step 09"],
        ["step 10"],
    ]
    assert [record.name for record in contents.spans] == [f"step {n:02d}" for n in range(1, 11)]


def test_rotated_files_beyond_the_limit_are_dropped_oldest_first(tmp_path: Path):
    line_length = len(encode_line(batch(1)))
    exporter = LocalStoreSpanExporter(tmp_path, max_file_bytes=3 * line_length, max_rotated_files=2)

    export_batches(exporter, range(1, 11))

    assert names_by_file(tmp_path) == [
        ["step 04", "step 05", "step 06"],
        ["step 07", "step 08", "step 09"],
        ["step 10"],
    ]


def test_with_no_rotated_files_kept_only_the_active_file_remains(tmp_path: Path):
    line_length = len(encode_line(batch(1)))
    exporter = LocalStoreSpanExporter(tmp_path, max_file_bytes=line_length, max_rotated_files=0)

    export_batches(exporter, range(1, 4))

    assert names_by_file(tmp_path) == [["step 03"]]


def test_a_line_larger_than_the_bound_is_written_alone(tmp_path: Path):
    exporter = LocalStoreSpanExporter(tmp_path, max_file_bytes=10)

    export_batches(exporter, range(1, 4))

    assert names_by_file(tmp_path) == [["step 01"], ["step 02"], ["step 03"]]


def test_rotated_names_sort_by_time_and_never_collide(tmp_path: Path):
    stamp = 1_700_000_000_123_456_789
    first = unused_rotated_path(tmp_path, stamp)
    first.touch()

    second = unused_rotated_path(tmp_path, stamp)

    assert first.name == "traces-20231114T221320.123456789Z.jsonl"
    assert second.name == "traces-20231114T221320.123456790Z.jsonl"


def test_a_torn_line_left_by_a_killed_writer_costs_only_itself(tmp_path: Path):
    (tmp_path / "traces.jsonl").write_bytes(b'{"resourceSpans":[{"sco')
    exporter = LocalStoreSpanExporter(tmp_path)

    export_batches(exporter, range(1, 3))

    contents = read_store(tmp_path)
    assert [record.name for record in contents.spans] == ["step 01", "step 02"]
    assert contents.problems == [
        StoreProblem(
            tmp_path / "traces.jsonl",
            1,
            "not valid JSON: Unterminated string starting at: column 20",
        )
    ]


def test_an_empty_batch_writes_nothing(tmp_path: Path):
    store = tmp_path / "store"

    assert LocalStoreSpanExporter(store).export([]) is SpanExportResult.SUCCESS

    assert not store.exists()


def test_export_fails_without_raising_and_logs_once_while_the_store_cannot_be_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="otelscope.store")
    store = tmp_path / "store"
    store.write_text("a regular file where the store directory should be")
    exporter = LocalStoreSpanExporter(store)

    results = [exporter.export(batch(number)) for number in range(1, 4)]
    store.unlink()
    recovered = exporter.export(batch(4))

    assert results == [SpanExportResult.FAILURE] * 3
    assert recovered is SpanExportResult.SUCCESS
    assert [(record.levelname, record.getMessage()) for record in caplog.records] == [
        (
            "WARNING",
            f"otelscope: cannot write spans to the store at {store}: File exists; spans dropped",
        ),
        ("INFO", f"otelscope: writing spans to the store at {store} again"),
    ]
    assert [record.name for record in read_store(store).spans] == ["step 04"]


def test_a_new_reason_is_logged_again(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING, logger="otelscope.store")
    store = tmp_path / "store"
    store.write_text("")
    exporter = LocalStoreSpanExporter(store)
    exporter.export(batch(1))
    store.unlink()
    (store / "traces.jsonl").mkdir(parents=True)

    assert exporter.export(batch(2)) is SpanExportResult.FAILURE

    assert [record.getMessage() for record in caplog.records] == [
        f"otelscope: cannot write spans to the store at {store}: File exists; spans dropped",
        f"otelscope: cannot write spans to the store at {store / 'traces.jsonl'}: "
        "Is a directory; spans dropped",
    ]


def test_a_span_that_cannot_be_encoded_is_an_internal_error_not_an_exception(tmp_path: Path):
    exporter = LocalStoreSpanExporter(tmp_path)

    result = exporter.export([ReadableSpan(name="no context")])

    assert result is SpanExportResult.FAILURE
    errors = guard.take_internal_errors()
    assert [str(error) for error in errors] == ["span 'no context' has no span context"]
    assert list(tmp_path.iterdir()) == []


def test_shutdown_is_idempotent_and_later_exports_fail(tmp_path: Path):
    store = tmp_path / "store"
    exporter = LocalStoreSpanExporter(store)

    exporter.shutdown()
    exporter.shutdown()

    assert exporter.export(batch(1)) is SpanExportResult.FAILURE
    assert exporter.force_flush() is True
    assert not store.exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_file_bytes": 0}, "max_file_bytes must be positive, not 0"),
        ({"max_rotated_files": -1}, "max_rotated_files must be 0 or more, not -1"),
    ],
)
def test_bounds_are_checked(tmp_path: Path, options, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        LocalStoreSpanExporter(tmp_path, **options)

"""The body of a writer process in the concurrent-writer tests (spawned, so it
must be importable by name)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult

from otelscope.store import LocalStoreSpanExporter
from tests.store.spans import plain_span

START_TIMEOUT_SECONDS = 60


def span_id(writer: int, export: int, index: int) -> int:
    return (writer + 1) * 1_000_000 + export * 100 + index + 1


def batch(
    writer: int, export: int, spans_per_export: int, *, shared_traces: bool = False
) -> list[ReadableSpan]:
    """Spans whose encoded line has the same length for every writer and export.

    With ``shared_traces`` the writers act as the processes of one program:
    export N of every writer belongs to trace N, each writer's first span is a
    child of the previous writer's, and each writer is a service of its own.
    """
    if not shared_traces:
        trace_id = ((writer + 1) << 64) | (export + 1)
        return [
            plain_span(trace_id, span_id(writer, export, index), name=f"writer {writer}")
            for index in range(spans_per_export)
        ]
    caller = span_id(writer - 1, export, 0) if writer else None
    return [
        plain_span(
            export + 1,
            span_id(writer, export, index),
            name=f"writer {writer}",
            service=f"writer-{writer}",
            parent_id=caller if index == 0 else span_id(writer, export, 0),
        )
        for index in range(spans_per_export)
    ]


def write_batches(
    directory: str,
    writer: int,
    *,
    exports: int,
    spans_per_export: int,
    exporter_options: dict[str, int],
    start: Any,
    shared_traces: bool = False,
) -> None:
    exporter = LocalStoreSpanExporter(Path(directory), **exporter_options)
    if not start.wait(START_TIMEOUT_SECONDS):
        raise SystemExit("the start signal never came")
    for export in range(exports):
        spans = batch(writer, export, spans_per_export, shared_traces=shared_traces)
        if exporter.export(spans) is not SpanExportResult.SUCCESS:
            raise SystemExit(f"export {export} of writer {writer} failed")

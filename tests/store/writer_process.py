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


def batch(writer: int, export: int, spans_per_export: int) -> list[ReadableSpan]:
    """Spans whose encoded line has the same length for every writer and export."""
    trace_id = ((writer + 1) << 64) | (export + 1)
    return [
        plain_span(trace_id, span_id(writer, export, index), name=f"writer {writer}")
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
) -> None:
    exporter = LocalStoreSpanExporter(Path(directory), **exporter_options)
    if not start.wait(START_TIMEOUT_SECONDS):
        raise SystemExit("the start signal never came")
    for export in range(exports):
        if exporter.export(batch(writer, export, spans_per_export)) is not SpanExportResult.SUCCESS:
            raise SystemExit(f"export {export} of writer {writer} failed")

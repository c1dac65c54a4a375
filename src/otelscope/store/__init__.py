"""The local trace store: spans as OTLP/JSON lines in a directory.

Format: each export appends one line to ``traces.jsonl``, a compact
``ExportTraceServiceRequest`` in OTLP/JSON (``resourceSpans`` -> ``scopeSpans``
-> ``spans``; hex ids, 64-bit integers as strings, enums as integers), the
format of the Collector's file exporter and ``otlpjsonfile`` receiver. Past a
size bound the file is renamed ``traces-<UTC time>Z.jsonl`` and the oldest
such files beyond a count are deleted.

Several writers: every append and rotation happens under an exclusive
``flock`` on ``traces.lock``, with one ``write`` on an ``O_APPEND``
descriptor, so lines from concurrent processes never interleave. A reader
reports a torn or corrupt line (file, line number, reason) and reads on.
Every process of an ``otelscope run`` (a program, the servers it starts)
appends to the same file, each line under its own process's resource; a
reader groups spans by trace id whatever line or resource they came in, so
a trace that crossed processes reads back whole.

The directory is ``$OTELSCOPE_STORE_DIR``, else ``./.otelscope``.
"""

from otelscope.store.exporter import LocalStoreSpanExporter
from otelscope.store.indexed import TraceListing, TraceSpans, list_traces, read_trace
from otelscope.store.location import STORE_DIR_ENV, default_store_dir
from otelscope.store.reader import StoreContents, StoreNotFound, StoreProblem, read_store
from otelscope.store.records import AttributeValue, EventRecord, LinkRecord, SpanRecord
from otelscope.store.traces import (
    AmbiguousTraceId,
    NoTraces,
    TraceNotFound,
    TraceSummary,
    root_span,
    spans_of_trace,
    summarize_traces,
)

__all__ = [
    "STORE_DIR_ENV",
    "AmbiguousTraceId",
    "AttributeValue",
    "EventRecord",
    "LinkRecord",
    "LocalStoreSpanExporter",
    "NoTraces",
    "SpanRecord",
    "StoreContents",
    "StoreNotFound",
    "StoreProblem",
    "TraceListing",
    "TraceNotFound",
    "TraceSpans",
    "TraceSummary",
    "default_store_dir",
    "list_traces",
    "read_store",
    "read_trace",
    "root_span",
    "spans_of_trace",
    "summarize_traces",
]

"""Long-term memory operations as spans.

The GenAI conventions' memory span (``gen_ai.memory.client``, development
stability): a CLIENT span named after its operation, started with
``Telemetry.start_part`` (so it carries the conversation and stands on a span
a sampler dropped). Two operations:

- ``search_memory``: a search of the memory, with ``gen_ai.request.top_k``
  when the call has a limit and, when it returns,
  ``gen_ai.memory.record.count``, the records it returned;
- ``upsert_memory``: a write of what the caller gives (messages, facts),
  which the memory may add as new records, merge into existing ones or
  drop: the caller does not choose, hence the conventions' ``upsert``.
  ``gen_ai.memory.record.count`` is the number of items given.

Both carry the memory's kind: ``otelscope.memory.kind`` (its class),
``gen_ai.provider.name`` (``mem0``, ``reme``) where AgentScope's class says
which backend it is, and ``gen_ai.memory.store.id`` where the backend names
its store. With content capture on the spans, the query
(``gen_ai.memory.query.text``) and the records written or found
(``gen_ai.memory.records``: ``content``, and ``id``, ``score``, ``metadata``
where known) are recorded through ``Telemetry.record_content`` (length
limit, redaction); with it off, neither is even read.

Adapters read AgentScope's memories into the records below; the span's name
and attributes are made here only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from opentelemetry.trace import SpanKind

from otelscope.core import conventions as conv
from otelscope.core.operation import Operation
from otelscope.core.telemetry import Telemetry


class MemoryBackend(NamedTuple):
    """Which memory serves an operation."""

    # `otelscope.memory.kind`: the memory's class name.
    kind: str | None
    # `gen_ai.provider.name`: mem0, reme; None for a memory of the user's own.
    provider: str | None = None
    # `gen_ai.memory.store.id`: the store as the backend names it, if it does.
    store_id: str | None = None


class MemoryRequest(NamedTuple):
    operation: str
    backend: MemoryBackend
    top_k: float | None = None
    # Known at the start for a write (the items given); a search's count is
    # the records it returned, known when it returns.
    record_count: int | None = None


class MemoryRecord(NamedTuple):
    """One record written or found, recorded only with content on."""

    content: Any
    id: str | None = None
    score: float | None = None
    metadata: Mapping[str, Any] | None = None


def start_memory_operation(telemetry: Telemetry, request: MemoryRequest) -> Operation:
    backend = request.backend
    attributes = {
        conv.OPERATION_NAME: request.operation,
        conv.PROVIDER_NAME: backend.provider,
        conv.MEMORY_STORE_ID: backend.store_id,
        conv.MEMORY_KIND: backend.kind,
        conv.REQUEST_TOP_K: request.top_k,
        conv.MEMORY_RECORD_COUNT: request.record_count,
    }
    return telemetry.start_part(request.operation, SpanKind.CLIENT, attributes)


def query_content(query: str | None) -> dict[str, Any]:
    return {conv.MEMORY_QUERY_TEXT: query}


def memory_records_content(records: Iterable[MemoryRecord]) -> dict[str, Any]:
    """``gen_ai.memory.records`` in the conventions' JSON shape: an object
    per record with its ``content`` (required, even when null) and what else
    is known."""
    return {conv.MEMORY_RECORDS: [_record(record) for record in records]}


def _record(record: MemoryRecord) -> Mapping[str, Any]:
    found: dict[str, Any] = {"content": record.content}
    for key in ("id", "score", "metadata"):
        value = getattr(record, key)
        if value is not None:
            found[key] = value
    return found


def memory_returned(operation: Operation, record_count: int | None) -> None:
    """The operation returned; a search found ``record_count`` records."""
    operation.set(conv.MEMORY_RECORD_COUNT, record_count)
    operation.stop()

"""Retrieval from a knowledge base, and the writes that fill it, as spans.

Two operations, both CLIENT spans started with ``Telemetry.start_part`` (so
they carry the conversation and stand on a span a sampler dropped):

- ``retrieval {data source}``, the GenAI conventions' retrieval span:
  ``gen_ai.data_source.id``, the store as ``db.system.name`` and
  ``db.collection.name`` (the conventions describe a data source further
  with ``db.*``), ``gen_ai.request.top_k`` and the score threshold when the
  call has them; when it returns, the number of documents it returned.
  With content capture on the spans, also the query
  (``gen_ai.retrieval.query.text``) and the documents
  (``gen_ai.retrieval.documents``: id, score, chunk index, content), through
  ``Telemetry.record_content``, which applies the length limit and the
  redaction. With capture off, neither is even read.
- ``index_documents {data source}``: documents embedded and written into a
  knowledge base, with how many (the conventions have no operation for it;
  see ``conventions.OP_INDEX_DOCUMENTS``).

Adapters read AgentScope's knowledge bases into the records below; the
spans' names and attributes are made here only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from opentelemetry.trace import SpanKind
from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.operation import Operation
from otelscope.core.telemetry import Telemetry


class KnowledgeSource(NamedTuple):
    """Where documents are retrieved from or written to."""

    # `gen_ai.data_source.id`: the knowledge base's own name where it has
    # one, else its store's collection.
    data_source: str | None
    # `db.system.name`: the vector store's product, None for a store
    # otelscope does not know.
    store: str | None = None
    collection: str | None = None


class RetrievalRequest(NamedTuple):
    source: KnowledgeSource
    top_k: float | None = None
    score_threshold: float | None = None


class RetrievedDocument(NamedTuple):
    """One document (chunk) a retrieval returned, recorded only with content on."""

    id: str | None
    score: float | None = None
    chunk_index: int | None = None
    # The chunk's text, or its content part when it is not text.
    content: Any = None


class IndexingRequest(NamedTuple):
    source: KnowledgeSource
    document_count: int | None


def start_retrieval(telemetry: Telemetry, request: RetrievalRequest) -> Operation:
    attributes = _source_attributes(conv.OP_RETRIEVAL, request.source)
    attributes[conv.REQUEST_TOP_K] = request.top_k
    attributes[conv.RETRIEVAL_SCORE_THRESHOLD] = request.score_threshold
    name = span_name(conv.OP_RETRIEVAL, request.source)
    return telemetry.start_part(name, SpanKind.CLIENT, attributes)


def start_indexing(telemetry: Telemetry, request: IndexingRequest) -> Operation:
    attributes = _source_attributes(conv.OP_INDEX_DOCUMENTS, request.source)
    attributes[conv.INDEX_DOCUMENT_COUNT] = request.document_count
    name = span_name(conv.OP_INDEX_DOCUMENTS, request.source)
    return telemetry.start_part(name, SpanKind.CLIENT, attributes)


def span_name(operation: str, source: KnowledgeSource) -> str:
    """``{operation} {data source}``, as the conventions name a retrieval."""
    return f"{operation} {source.data_source}" if source.data_source else operation


def _source_attributes(operation: str, source: KnowledgeSource) -> dict[str, AttributeValue | None]:
    return {
        conv.OPERATION_NAME: operation,
        conv.DATA_SOURCE_ID: source.data_source,
        conv.DB_SYSTEM_NAME: source.store,
        conv.DB_COLLECTION_NAME: source.collection,
    }


def query_content(query: str | None) -> dict[str, Any]:
    return {conv.RETRIEVAL_QUERY_TEXT: query}


def documents_content(documents: Iterable[RetrievedDocument]) -> dict[str, Any]:
    """``gen_ai.retrieval.documents`` in the conventions' JSON shape: an
    object per document with its ``id`` and ``score``, and what else is known."""
    return {conv.RETRIEVAL_DOCUMENTS: [_document(document) for document in documents]}


def _document(document: RetrievedDocument) -> Mapping[str, Any]:
    found: dict[str, Any] = {}
    for key, value in document._asdict().items():
        if value is not None:
            found[key] = value
    return found


def retrieved(operation: Operation, document_count: int | None) -> None:
    """A retrieval returned ``document_count`` documents: its span ends."""
    operation.set(conv.RETRIEVAL_DOCUMENT_COUNT, document_count)
    operation.stop()

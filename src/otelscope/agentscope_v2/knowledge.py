"""`retrieval` and `index_documents` spans for AgentScope 2.x knowledge bases.

``KnowledgeBase`` is one class over every vector store 2.x ships (Qdrant,
Milvus Lite, MongoDB, Elasticsearch) and a user's own: its ``search`` and
``list_chunks`` are retrievals, its ``insert_document`` a write. Each class
that defines them (the base, a user's subclass) is wrapped
(``otelscope.core.hierarchy``). ``RAGMiddleware`` searches through
``search``, both as the agent's ``search_knowledge`` tool (under its
``execute_tool`` span) and in its static mode (under the round it feeds).

Installed when ``agentscope.rag`` is imported, which 2.x does only for
programs that use it.

The data source is the knowledge base's ``name``. ``search`` takes several
queries: their texts are recorded one per line. ``list_chunks`` pages
through one document's chunks: a retrieval with no query, whose documents
are that document's chunks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otelscope.agentscope_common.knowledge import chunk_content, query_text, store_system
from otelscope.core.hierarchy import wrap_own_methods
from otelscope.core.patching import Patches
from otelscope.core.retrieval import (
    IndexingRequest,
    KnowledgeSource,
    RetrievalRequest,
    RetrievedDocument,
)
from otelscope.core.retrieval_call import traced_indexing, traced_retrieval
from otelscope.core.telemetry import Telemetry
from otelscope.core.values import field, integer, number, text


def install(patches: Patches, telemetry: Telemetry) -> None:
    from agentscope.rag import KnowledgeBase

    search = traced_retrieval(telemetry, _Search(), "otelscope_v2_search")
    wrap_own_methods(KnowledgeBase, "search", search, patches)
    listing = traced_retrieval(telemetry, _ListChunks(), "otelscope_v2_list_chunks")
    wrap_own_methods(KnowledgeBase, "list_chunks", listing, patches)
    insert = traced_indexing(telemetry, _InsertDocument(), "otelscope_v2_insert_document")
    wrap_own_methods(KnowledgeBase, "insert_document", insert, patches)


def knowledge_source(knowledge: Any) -> KnowledgeSource:
    store = field(knowledge, "vector_store")
    return KnowledgeSource(
        text(field(knowledge, "name")),
        store_system(type(store)) if store is not None else None,
        text(field(knowledge, "collection")),
    )


def _count(result: Any) -> int | None:
    return len(result) if isinstance(result, list) else None


class _Search:
    """``search(queries, top_k=5, score_threshold=None)``."""

    def request(self, knowledge: Any, arguments: Mapping[str, Any]) -> RetrievalRequest:
        return RetrievalRequest(
            knowledge_source(knowledge),
            top_k=number(arguments.get("top_k")),
            score_threshold=number(arguments.get("score_threshold")),
        )

    def count(self, result: Any) -> int | None:
        return _count(result)

    def query(self, arguments: Mapping[str, Any]) -> str | None:
        return query_text(arguments.get("queries"))

    def documents(self, arguments: Mapping[str, Any], result: Any) -> list[RetrievedDocument]:
        if not isinstance(result, list):
            return []
        return [
            _document(field(hit, "document_id"), field(hit, "chunk"), field(hit, "score"))
            for hit in result
        ]


class _ListChunks:
    """``list_chunks(document_id, *, offset=0, limit=30)``: one document's chunks."""

    def request(self, knowledge: Any, arguments: Mapping[str, Any]) -> RetrievalRequest:
        return RetrievalRequest(knowledge_source(knowledge))

    def count(self, result: Any) -> int | None:
        return _count(result)

    def query(self, arguments: Mapping[str, Any]) -> str | None:
        return None

    def documents(self, arguments: Mapping[str, Any], result: Any) -> list[RetrievedDocument]:
        if not isinstance(result, list):
            return []
        document_id = arguments.get("document_id")
        return [_document(document_id, chunk, None) for chunk in result]


def _document(document_id: Any, chunk: Any, score: Any) -> RetrievedDocument:
    return RetrievedDocument(
        id=text(document_id),
        score=number(score),
        chunk_index=integer(field(chunk, "chunk_index")),
        content=chunk_content(field(chunk, "content")),
    )


class _InsertDocument:
    """``insert_document(chunks, document_id=None, document_metadata=None)``:
    one document's chunks, embedded and stored."""

    def request(self, knowledge: Any, arguments: Mapping[str, Any]) -> IndexingRequest:
        return IndexingRequest(knowledge_source(knowledge), _count(arguments.get("chunks")))

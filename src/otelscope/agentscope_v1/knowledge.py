"""`retrieval` and `index_documents` spans for AgentScope 1.x knowledge bases.

``KnowledgeBase.retrieve`` and ``add_documents`` are abstract: each class
that defines its own (``SimpleKnowledge``, a user's, now or later) is
wrapped (``otelscope.core.hierarchy``), whatever vector store it holds. The
agent-facing tool ``retrieve_knowledge`` answers through ``retrieve``, so a
model's call of it is one retrieval under its ``execute_tool`` span.

Installed when ``agentscope.rag`` is imported (``agentscope`` imports it).

1.x knowledge bases have no name: the data source is their store's
collection (``collection_name``; the MySQL store's ``table_name``). A
``Document`` a store returns has a fresh random ``id``, so retrieved
documents are recorded by their ``doc_id`` and ``chunk_id``.
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

    retrieve = traced_retrieval(telemetry, _Retrieve(), "otelscope_v1_retrieve")
    wrap_own_methods(KnowledgeBase, "retrieve", retrieve, patches)
    add = traced_indexing(telemetry, _AddDocuments(), "otelscope_v1_add_documents")
    wrap_own_methods(KnowledgeBase, "add_documents", add, patches)


def knowledge_source(knowledge: Any) -> KnowledgeSource:
    store = field(knowledge, "embedding_store")
    if store is None:
        return KnowledgeSource(None)
    collection = text(field(store, "collection_name")) or text(field(store, "table_name"))
    return KnowledgeSource(collection, store_system(type(store)), collection)


class _Retrieve:
    """``retrieve(query, limit=5, score_threshold=None, **kwargs)``."""

    def request(self, knowledge: Any, arguments: Mapping[str, Any]) -> RetrievalRequest:
        return RetrievalRequest(
            knowledge_source(knowledge),
            top_k=number(arguments.get("limit")),
            score_threshold=number(arguments.get("score_threshold")),
        )

    def count(self, result: Any) -> int | None:
        return len(result) if isinstance(result, list) else None

    def query(self, arguments: Mapping[str, Any]) -> str | None:
        return query_text(arguments.get("query"))

    def documents(self, arguments: Mapping[str, Any], result: Any) -> list[RetrievedDocument]:
        return [_document(document) for document in result] if isinstance(result, list) else []


def _document(document: Any) -> RetrievedDocument:
    metadata = field(document, "metadata")
    return RetrievedDocument(
        id=text(field(metadata, "doc_id")),
        score=number(field(document, "score")),
        chunk_index=integer(field(metadata, "chunk_id")),
        content=chunk_content(field(metadata, "content")),
    )


class _AddDocuments:
    """``add_documents(documents, **kwargs)``: the chunks to embed and store."""

    def request(self, knowledge: Any, arguments: Mapping[str, Any]) -> IndexingRequest:
        documents = arguments.get("documents")
        count = len(documents) if isinstance(documents, list) else None
        return IndexingRequest(knowledge_source(knowledge), count)

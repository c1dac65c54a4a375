"""Retrieval and indexing spans from records (``core/retrieval.py``) and the
guarded wrapper of a knowledge-base method (``core/retrieval_call.py``),
without AgentScope: exact attributes, and a reader that fails never touches
the call."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest
from opentelemetry.metrics import NoOpMeter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from otelscope.core import guard
from otelscope.core.content import CaptureMode, ContentPolicy
from otelscope.core.metrics import Metrics
from otelscope.core.retrieval import (
    IndexingRequest,
    KnowledgeSource,
    RetrievalRequest,
    RetrievedDocument,
    documents_content,
    span_name,
    start_indexing,
    start_retrieval,
)
from otelscope.core.retrieval_call import traced_retrieval
from otelscope.core.telemetry import Telemetry

SOURCE = KnowledgeSource("handbook", "qdrant", "hr")


class World:
    def __init__(self, content: ContentPolicy | None = None) -> None:
        self.spans = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(self.spans))
        tracer = provider.get_tracer("t")
        self.telemetry = Telemetry(tracer, Metrics(NoOpMeter("t")), content)


def test_a_retrieval_and_a_write_name_their_data_source_and_set_only_what_is_known() -> None:
    world = World()
    start_retrieval(world.telemetry, RetrievalRequest(SOURCE, top_k=3.0)).stop()
    start_indexing(world.telemetry, IndexingRequest(KnowledgeSource(None), 4)).stop()

    retrieval, indexing = world.spans.get_finished_spans()
    assert (retrieval.name, retrieval.kind) == ("retrieval handbook", SpanKind.CLIENT)
    assert dict(retrieval.attributes or {}) == {
        "gen_ai.operation.name": "retrieval",
        "gen_ai.data_source.id": "handbook",
        "db.system.name": "qdrant",
        "db.collection.name": "hr",
        "gen_ai.request.top_k": 3.0,
    }
    assert indexing.name == "index_documents"
    assert dict(indexing.attributes or {}) == {
        "gen_ai.operation.name": "index_documents",
        "otelscope.index.document.count": 4,
    }


def test_documents_are_the_conventions_objects_with_what_is_known() -> None:
    documents = [
        RetrievedDocument("doc-1", 0.5, 2, "text"),
        RetrievedDocument("doc-2", content={"type": "blob", "modality": "image"}),
        RetrievedDocument(None),
    ]
    assert documents_content(documents) == {
        "gen_ai.retrieval.documents": [
            {"id": "doc-1", "score": 0.5, "chunk_index": 2, "content": "text"},
            {"id": "doc-2", "content": {"type": "blob", "modality": "image"}},
            {},
        ]
    }
    assert span_name("retrieval", KnowledgeSource("")) == "retrieval"


class Knowledge:
    def __init__(self) -> None:
        self.runs = 0

    async def retrieve(self, query: str, limit: int = 5) -> list[str]:
        self.runs += 1
        if query == "boom":
            raise KeyError(query)
        return [query] * limit


class BrokenReader:
    """A reader whose every reading fails: an otelscope bug, never the user's."""

    def request(self, knowledge: Any, arguments: Mapping[str, Any]) -> RetrievalRequest:
        raise RuntimeError("unreadable")

    def count(self, result: Any) -> int | None:
        raise RuntimeError("unreadable")

    def query(self, arguments: Mapping[str, Any]) -> str | None:
        raise RuntimeError("unreadable")

    def documents(self, arguments: Mapping[str, Any], result: Any) -> list[RetrievedDocument]:
        raise RuntimeError("unreadable")


class Reader(BrokenReader):
    def request(self, knowledge: Any, arguments: Mapping[str, Any]) -> RetrievalRequest:
        return RetrievalRequest(SOURCE, top_k=float(arguments["limit"]))


def test_a_broken_reader_leaves_the_call_alone_and_is_reported() -> None:
    world = World()
    knowledge = Knowledge()
    retrieve = traced_retrieval(world.telemetry, BrokenReader(), "t_broken")(Knowledge.retrieve)

    assert asyncio.run(retrieve(knowledge, "sun", limit=2)) == ["sun", "sun"]
    assert knowledge.runs == 1
    assert world.spans.get_finished_spans() == ()
    assert [str(error) for error in guard.take_internal_errors()] == ["unreadable"]


def test_a_reader_that_fails_once_the_span_started_still_ends_it() -> None:
    world = World(ContentPolicy(CaptureMode.SPAN_ONLY))
    knowledge = Knowledge()
    retrieve = traced_retrieval(world.telemetry, Reader(), "t_half")(Knowledge.retrieve)

    assert asyncio.run(retrieve(knowledge, "sun", 2)) == ["sun", "sun"]
    assert knowledge.runs == 1
    [span] = world.spans.get_finished_spans()
    assert dict(span.attributes or {}) == {
        "gen_ai.operation.name": "retrieval",
        "gen_ai.data_source.id": "handbook",
        "db.system.name": "qdrant",
        "db.collection.name": "hr",
        "gen_ai.request.top_k": 2.0,
    }
    assert [str(error) for error in guard.take_internal_errors()] == ["unreadable"] * 3


def test_the_limit_left_out_is_the_methods_default_and_a_failure_passes_unchanged() -> None:
    world = World()
    knowledge = Knowledge()
    retrieve = traced_retrieval(world.telemetry, Reader(), "t_default")(Knowledge.retrieve)

    with pytest.raises(KeyError, match="boom"):
        asyncio.run(retrieve(knowledge, "boom"))

    assert knowledge.runs == 1
    [span] = world.spans.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["gen_ai.request.top_k"] == 5.0
    assert span.attributes["error.type"] == "KeyError"
    assert span.status.status_code == StatusCode.ERROR

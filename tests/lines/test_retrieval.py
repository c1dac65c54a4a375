"""Knowledge-base retrieval and indexing on both AgentScope lines: a real
knowledge base over AgentScope's ``QdrantStore`` (Qdrant's in-memory local
mode), a scripted embedding model (``tests/v1|v2/rag_kit.py``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind, StatusCode

from otelscope.core import retrieval_call
from tests.conftest import Traced
from tests.content_expectations import LIMIT, WITHIN_LIMIT, Serialized, forbid_serializing
from tests.lines.line import kit, line_kit
from tests.spantree import Node, build_trees

rag = line_kit("rag_kit")

QUERY_KEY = "gen_ai.retrieval.query.text"
DOCUMENTS_KEY = "gen_ai.retrieval.documents"
SOURCE = {
    "gen_ai.data_source.id": "weather-notes",
    "db.system.name": "qdrant",
    "db.collection.name": "weather-notes",
}
RETRIEVAL = {"gen_ai.operation.name": "retrieval", **SOURCE}
INDEXING = {"gen_ai.operation.name": "index_documents", **SOURCE}
EMBEDDINGS = {
    "gen_ai.operation.name": "embeddings",
    "gen_ai.provider.name": "unknown",
    "gen_ai.request.model": "keyword-embedding",
    "gen_ai.embeddings.dimension.count": 3,
}
EMBEDDED: tuple[str, list[Any]] = ("embeddings keyword-embedding", [])
RETRIEVED = ("retrieval weather-notes", [EMBEDDED])
INDEXED = ("index_documents weather-notes", [EMBEDDED])
# Searching "sun" with a limit of 2: the two notes that mention it.
SUN_HITS = [("notes", 0, 1.0), ("notes", 1, 0.7071)]
SUN_DOCUMENTS = [
    {"id": "notes", "score": 1.0, "chunk_index": 0, "content": "sun over Rome"},
    {"id": "notes", "score": 0.7071, "chunk_index": 1, "content": "sun and snow in Oslo"},
]


async def index_then_search(knowledge: Any, query: str = "sun", **options: Any) -> Any:
    await rag.index(knowledge)
    return await rag.search(knowledge, query, **options)


def indexed_and_retrieved(spans: Any) -> tuple[Node, Node]:
    indexing, retrieval = sorted(build_trees(spans), key=lambda root: root.span.start_time or 0)
    return indexing, retrieval


def test_an_index_and_a_search_are_client_spans_over_their_embeddings(traced) -> None:
    result = asyncio.run(index_then_search(rag.make_knowledge(), limit=2))

    assert rag.hits(result) == SUN_HITS
    indexing, retrieval = indexed_and_retrieved(traced.spans())
    assert (indexing.shape(), retrieval.shape()) == (INDEXED, RETRIEVED)
    assert indexing.span.kind == retrieval.span.kind == SpanKind.CLIENT
    assert indexing.attributes == {**INDEXING, "otelscope.index.document.count": 3}
    assert retrieval.attributes == {
        **RETRIEVAL,
        "gen_ai.request.top_k": 2.0,
        "otelscope.retrieval.document.count": 2,
    }
    [embedded] = retrieval.children
    assert embedded.attributes == {**EMBEDDINGS, "gen_ai.usage.input_tokens": 1}
    assert all(node.status == StatusCode.UNSET for node in (*indexing.walk(), *retrieval.walk()))


def test_the_limit_is_the_methods_own_when_not_given_and_the_threshold_is_kept(traced) -> None:
    async def searches(knowledge: Any) -> tuple[Any, Any]:
        await rag.index(knowledge)
        every = await rag.search(knowledge, "sun")
        close = await rag.search(knowledge, "sun", limit=2, score_threshold=0.9)
        return every, close

    every, close = asyncio.run(searches(rag.make_knowledge()))

    assert [hit[:2] for hit in rag.hits(every)] == [("notes", 0), ("notes", 1), ("notes", 2)]
    assert rag.hits(close) == SUN_HITS[:1]
    retrievals = [root for root in build_trees(traced.spans()) if root.name.startswith("retr")]
    assert [root.attributes for root in retrievals] == [
        {
            **RETRIEVAL,
            "gen_ai.request.top_k": float(rag.DEFAULT_LIMIT),
            "otelscope.retrieval.document.count": 3,
        },
        {
            **RETRIEVAL,
            "gen_ai.request.top_k": 2.0,
            "otelscope.retrieval.score_threshold": 0.9,
            "otelscope.retrieval.document.count": 1,
        },
    ]


def recorded_documents(node: Node) -> list[dict[str, Any]]:
    """The documents a retrieval span recorded, scores rounded."""
    value = node.attributes[DOCUMENTS_KEY]
    documents = json.loads(value)
    assert value == json.dumps(documents, ensure_ascii=False)
    return [{**document, "score": round(document["score"], 4)} for document in documents]


@pytest.mark.parametrize("mode", ["SPAN_ONLY", "SPAN_AND_EVENT"])
def test_with_content_on_the_query_and_the_documents_are_recorded(capture, mode) -> None:
    capture.instrument(capture_content=mode)
    result = asyncio.run(index_then_search(rag.make_knowledge(), limit=2))

    assert rag.hits(result) == SUN_HITS
    indexing, retrieval = indexed_and_retrieved(capture.traced.spans())
    assert retrieval.attributes[QUERY_KEY] == "sun"
    assert recorded_documents(retrieval) == SUN_DOCUMENTS
    # A write records its count only; the conventions define no retrieval event.
    assert indexing.attributes == {**INDEXING, "otelscope.index.document.count": 3}
    assert capture.records() == []


def test_recorded_content_is_redacted_and_cut_to_the_length_limit(capture) -> None:
    seen: list[str] = []

    def redact(key: str, value: str) -> str:
        seen.append(key)
        return value.replace("Rome", "[city]")

    capture.instrument(capture_content="SPAN_ONLY", redact=redact, max_content_length=LIMIT)
    asyncio.run(index_then_search(rag.make_knowledge(), limit=2))

    _, retrieval = indexed_and_retrieved(capture.traced.spans())
    assert seen == [QUERY_KEY, DOCUMENTS_KEY]
    assert retrieval.attributes[QUERY_KEY] == "sun"
    documents = retrieval.attributes[DOCUMENTS_KEY]
    assert WITHIN_LIMIT.fullmatch(documents)
    assert documents.startswith('[{"id": "notes", "score": 1.0')
    assert "Rome" not in documents


@contextmanager
def nothing_serialized(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No query or document is even built: building one raises, which strict
    mode would report."""

    def refuse(*args: Any) -> Any:
        raise Serialized

    forbid_serializing(monkeypatch)
    monkeypatch.setattr(retrieval_call, "query_content", refuse)
    monkeypatch.setattr(retrieval_call, "documents_content", refuse)
    yield


@pytest.mark.parametrize("mode", ["NO_CONTENT", "EVENT_ONLY"])
def test_without_content_on_spans_nothing_of_queries_or_documents_is_built(
    capture, monkeypatch, mode
) -> None:
    capture.instrument(capture_content=mode)
    with nothing_serialized(monkeypatch):
        result = asyncio.run(index_then_search(rag.make_knowledge(), limit=2))

    assert rag.hits(result) == SUN_HITS
    _, retrieval = indexed_and_retrieved(capture.traced.spans())
    assert QUERY_KEY not in retrieval.attributes
    assert DOCUMENTS_KEY not in retrieval.attributes
    assert retrieval.attributes["otelscope.retrieval.document.count"] == 2


def test_a_dropped_trace_makes_no_retrieval_span_and_serializes_nothing(monkeypatch) -> None:
    traced = Traced(sampler=ALWAYS_OFF)
    traced.instrumentor.instrument(tracer_provider=traced.provider, capture_content="SPAN_ONLY")
    try:
        with nothing_serialized(monkeypatch):
            result = asyncio.run(index_then_search(rag.make_knowledge(), limit=2))
    finally:
        traced.instrumentor.uninstrument()

    assert rag.hits(result) == SUN_HITS
    assert traced.spans() == []


def test_a_failing_retrieval_raises_unchanged_and_ends_its_span_failed(traced) -> None:
    embedding = rag.KeywordEmbedding(fail=True)
    knowledge = rag.make_knowledge(embedding=embedding)

    with pytest.raises(ConnectionError, match="embedding service down"):
        asyncio.run(rag.search(knowledge, "sun"))

    assert len(embedding.runs) == 1
    [retrieval] = build_trees(traced.spans())
    assert retrieval.shape() == RETRIEVED
    for node in retrieval.walk():
        assert node.status == StatusCode.ERROR
        assert node.attributes["error.type"] == "ConnectionError"
    assert [event.name for event in retrieval.span.events] == ["exception"]
    assert "otelscope.retrieval.document.count" not in retrieval.attributes


def test_a_retrieval_the_model_asks_for_nests_under_its_tool_call(traced) -> None:
    async def ask() -> Any:
        knowledge = rag.make_knowledge()
        await rag.index(knowledge)
        traced.exporter.clear()
        agent = await rag.make_librarian(knowledge, "sun")
        return agent, await kit.reply_to(agent, "Where is it sunny?")

    agent, reply = asyncio.run(ask())

    assert kit.reply_text(reply) == "Found it"
    [root] = build_trees(traced.spans())
    chat = ("chat scripted-model", [])
    assert root.shape() == (
        "invoke_agent Librarian",
        [
            ("react step", [chat, (f"execute_tool {rag.RETRIEVAL_TOOL}", [RETRIEVED])]),
            ("react step", [chat]),
        ],
    )
    [retrieval] = root.find("retrieval weather-notes")
    assert retrieval.attributes == {
        **RETRIEVAL,
        "gen_ai.conversation.id": kit.conversation_id(agent),
        "gen_ai.request.top_k": float(rag.DEFAULT_LIMIT),
        "otelscope.retrieval.document.count": 3,
    }


def test_overlapping_calls_keep_each_retrieval_under_its_own_call(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")

    async def both() -> list[Any]:
        embedding = rag.KeywordEmbedding()
        knowledge = rag.make_knowledge(embedding=embedding)
        await rag.index(knowledge)
        capture.clear()
        # Each call's embedding waits for the other's: both retrievals in flight.
        embedding.meet = asyncio.Barrier(2)
        agents = [
            await rag.make_librarian(knowledge, query, name=name)
            for name, query in (("Sunny", "sun"), ("Rainy", "rain"))
        ]
        return await asyncio.gather(*(kit.reply_to(agent, "look it up") for agent in agents))

    replies = asyncio.run(both())

    assert [kit.reply_text(reply) for reply in replies] == ["Found it", "Found it"]
    roots = {root.name: root for root in build_trees(capture.traced.spans())}
    assert sorted(roots) == ["invoke_agent Rainy", "invoke_agent Sunny"]
    for name, query, best in (("Sunny", "sun", "sun over Rome"), ("Rainy", "rain", "rain in Lima")):
        root = roots[f"invoke_agent {name}"]
        [tool] = root.find(f"execute_tool {rag.RETRIEVAL_TOOL}")
        assert tool.shape() == (tool.name, [RETRIEVED])
        [retrieval] = tool.children
        assert retrieval.attributes[QUERY_KEY] == query
        assert recorded_documents(retrieval)[0]["content"] == best


@pytest.mark.parametrize("defined", ["before instrument()", "after instrument()"])
def test_a_subclass_that_calls_its_base_is_traced_once(traced, defined) -> None:
    cls = rag.OverridingKnowledge if defined.startswith("before") else None
    cls = cls or rag.overriding_knowledge_defined_now()
    result = asyncio.run(index_then_search(rag.remake(cls), limit=2))

    assert rag.hits(result) == SUN_HITS
    indexing, retrieval = indexed_and_retrieved(traced.spans())
    assert (indexing.shape(), retrieval.shape()) == (INDEXED, RETRIEVED)


def test_uninstrument_leaves_knowledge_bases_untraced() -> None:
    traced = Traced()
    traced.instrument()
    traced.instrumentor.uninstrument()
    result = asyncio.run(index_then_search(rag.make_knowledge(), limit=2))

    assert rag.hits(result) == SUN_HITS
    assert traced.spans() == []

"""What only AgentScope 2.x knowledge bases do: listing a document's chunks,
and ``RAGMiddleware``'s static mode, which searches before the first round's
model call (``tests/lines/test_retrieval.py`` has the rest)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from agentscope.middleware import RAGMiddleware

from tests.spantree import build_trees
from tests.v2 import kit, rag_kit

SOURCE = {
    "gen_ai.operation.name": "retrieval",
    "gen_ai.data_source.id": "weather-notes",
    "db.system.name": "qdrant",
    "db.collection.name": "weather-notes",
}


def test_listing_chunks_is_a_retrieval_of_that_documents_chunks(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")

    async def listed() -> Any:
        knowledge = rag_kit.make_knowledge()
        await rag_kit.index(knowledge)
        capture.clear()
        return await knowledge.list_chunks("notes", offset=1, limit=5)

    chunks = asyncio.run(listed())

    assert [chunk.chunk_index for chunk in chunks] == [1, 2]
    [listing] = build_trees(capture.traced.spans())
    # No query: nothing to embed.
    assert listing.shape() == ("retrieval weather-notes", [])
    attributes = listing.attributes
    documents = json.loads(attributes.pop("gen_ai.retrieval.documents"))
    assert attributes == {**SOURCE, "otelscope.retrieval.document.count": 2}
    assert documents == [
        {"id": "notes", "chunk_index": 1, "content": "sun and snow in Oslo"},
        {"id": "notes", "chunk_index": 2, "content": "rain in Lima"},
    ]


def test_a_static_search_nests_in_the_first_round_before_its_model_call(traced) -> None:
    async def ask() -> Any:
        knowledge = rag_kit.make_knowledge()
        await rag_kit.index(knowledge)
        traced.exporter.clear()
        static = RAGMiddleware.Parameters(mode="static", top_k=2)
        rag = RAGMiddleware(knowledge_bases=[knowledge], parameters=static)
        agent = kit.make_agent(name="Reader", middlewares=[rag])
        return await kit.call_with(agent, kit.Script("Rome", [kit.Step(text="Sunny")]), "sun?")

    reply = asyncio.run(ask())

    assert kit.reply_text(reply) == "Sunny"
    [root] = build_trees(traced.spans())
    retrieved = ("retrieval weather-notes", [("embeddings keyword-embedding", [])])
    assert root.shape() == (
        "invoke_agent Reader",
        [("react step", [retrieved, ("chat scripted-model", [])])],
    )
    [retrieval] = root.find("retrieval weather-notes")
    assert retrieval.attributes["gen_ai.request.top_k"] == 2.0

"""AgentScope 2.x knowledge bases for the retrieval tests both lines share
(``tests/lines/test_retrieval.py``): a real ``KnowledgeBase`` over
AgentScope's ``QdrantStore`` in Qdrant's in-memory local mode, embedded by a
scripted model. ``tests/v1/rag_kit.py`` gives the same names on 1.x."""

from __future__ import annotations

import asyncio
from typing import Any

from agentscope.agent import Agent
from agentscope.credential import CredentialBase
from agentscope.embedding import EmbeddingModelBase, EmbeddingResponse, EmbeddingUsage
from agentscope.message import TextBlock
from agentscope.middleware import RAGMiddleware
from agentscope.rag import Chunk, KnowledgeBase, QdrantStore, VectorSearchResult
from agentscope.tool import Toolkit

from tests.lines.knowledge import KEYWORDS, NOTES, keyword_vector
from tests.v2.kit import CallTool, OwnScriptChatModel, Script, Step, make_agent

# The tool through which the agent retrieves, and the limit it uses unless told.
RETRIEVAL_TOOL = "search_knowledge"
DEFAULT_LIMIT = 5


class KeywordEmbedding(EmbeddingModelBase):
    """Offline vectors: one dimension per keyword, its count in the text.
    ``runs`` holds the texts of each run of its code."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__(
            credential=CredentialBase(),
            model="keyword-embedding",
            dimensions=len(KEYWORDS),
            parameters=None,
            context_size=512,
            batch_size=8,
            max_retries=0,
            retry_delay=0.0,
        )
        self.fail = fail
        self.runs: list[list[str]] = []
        # Set by a test to hold each run until as many runs are in flight.
        self.meet: asyncio.Barrier | None = None

    async def _call_api(self, inputs: list[Any], **kwargs: Any) -> EmbeddingResponse:
        texts = [item.text if isinstance(item, TextBlock) else item for item in inputs]
        self.runs.append(texts)
        if self.meet is not None:
            await self.meet.wait()
        if self.fail:
            raise ConnectionError("embedding service down")
        return EmbeddingResponse(
            embeddings=[keyword_vector(text) for text in texts],
            usage=EmbeddingUsage(tokens=len(texts), time=0.0),
        )


def make_knowledge(
    name: str = "weather-notes", embedding: KeywordEmbedding | None = None
) -> KnowledgeBase:
    return remake(KnowledgeBase, name, embedding)


def remake(
    cls: type[KnowledgeBase], name: str = "weather-notes", embedding: Any = None
) -> KnowledgeBase:
    """A knowledge base of class ``cls``, built as ``make_knowledge`` builds one."""
    return cls(
        name=name,
        description="Notes on the weather.",
        embedding_model=embedding or KeywordEmbedding(),
        vector_store=QdrantStore(location=":memory:"),
        collection=name,
    )


class OverridingKnowledge(KnowledgeBase):
    """Overrides the methods again, each calling its base."""

    async def search(self, queries: list[Any], top_k: int = 5, **kwargs: Any) -> Any:
        return await super().search(queries, top_k, **kwargs)

    async def insert_document(self, chunks: list[Chunk], **kwargs: Any) -> str:
        return await super().insert_document(chunks, **kwargs)


def overriding_knowledge_defined_now() -> type[KnowledgeBase]:
    """A knowledge base class defined by the caller's code, after ``instrument()``."""

    class LateKnowledge(OverridingKnowledge):
        async def search(self, queries: list[Any], top_k: int = 5, **kwargs: Any) -> Any:
            return await super().search(queries, top_k, **kwargs)

        async def insert_document(self, chunks: list[Chunk], **kwargs: Any) -> str:
            return await super().insert_document(chunks, **kwargs)

    return LateKnowledge


async def index(knowledge: KnowledgeBase, texts: list[str] = NOTES, document: str = "notes") -> Any:
    """Write ``texts`` as the chunks of one document; returns what AgentScope returned."""
    chunks = [
        Chunk(
            content=TextBlock(text=text), source="notes.md", chunk_index=i, total_chunks=len(texts)
        )
        for i, text in enumerate(texts)
    ]
    return await knowledge.insert_document(chunks, document_id=document)


async def search(knowledge: KnowledgeBase, query: str, **options: Any) -> list[VectorSearchResult]:
    """Search for ``query``: ``limit`` (2.x's ``top_k``) and ``score_threshold`` as given."""
    if "limit" in options:
        options["top_k"] = options.pop("limit")
    return await knowledge.search([query], **options)


def hits(result: list[VectorSearchResult]) -> list[tuple[str, int, float]]:
    """(document, chunk, score rounded) of each document a search returned."""
    return [(hit.document_id, hit.chunk.chunk_index, round(hit.score, 4)) for hit in result]


async def make_librarian(knowledge: KnowledgeBase, query: str, name: str = "Librarian") -> Agent:
    """An agent whose model looks ``query`` up with ``RAGMiddleware``'s tool."""
    rag = RAGMiddleware(knowledge_bases=[knowledge])
    script = Script(
        name, [CallTool(name=RETRIEVAL_TOOL, arguments={"query": query}), Step(text="Found it")]
    )
    return make_agent(
        name=name, model=OwnScriptChatModel(script), toolkit=Toolkit(tools=await rag.list_tools())
    )

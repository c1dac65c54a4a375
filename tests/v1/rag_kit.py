"""AgentScope 1.x knowledge bases for the retrieval tests both lines share
(``tests/lines/test_retrieval.py``): a real ``SimpleKnowledge`` over
AgentScope's ``QdrantStore`` in Qdrant's in-memory local mode, embedded by a
scripted model. ``tests/v2/rag_kit.py`` gives the same names on 2.x."""

from __future__ import annotations

import asyncio
from typing import Any

from agentscope.agent import ReActAgent
from agentscope.embedding import EmbeddingModelBase, EmbeddingResponse, EmbeddingUsage
from agentscope.formatter import OpenAIChatFormatter
from agentscope.message import TextBlock, ToolUseBlock
from agentscope.model import ChatModelBase, ChatResponse
from agentscope.rag import DocMetadata, Document, QdrantStore, SimpleKnowledge
from agentscope.tool import Toolkit

from tests.lines.knowledge import KEYWORDS, NOTES, keyword_vector
from tests.v1.kit import usage

# The tool through which the agent retrieves, and the limit it uses unless told.
RETRIEVAL_TOOL = "retrieve_knowledge"
DEFAULT_LIMIT = 5


class KeywordEmbedding(EmbeddingModelBase):
    """Offline vectors: one dimension per keyword, its count in the text.
    ``runs`` holds the texts of each run of its code."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__(model_name="keyword-embedding", dimensions=len(KEYWORDS))
        # The chunk types ``SimpleKnowledge.add_documents`` lets through.
        self.supported_modalities = ["text"]
        self.fail = fail
        self.runs: list[list[str]] = []
        # Set by a test to hold each run until as many runs are in flight.
        self.meet: asyncio.Barrier | None = None

    async def __call__(self, text: list[Any], **kwargs: Any) -> EmbeddingResponse:
        texts = [item["text"] if isinstance(item, dict) else item for item in text]
        self.runs.append(texts)
        if self.meet is not None:
            await self.meet.wait()
        if self.fail:
            raise ConnectionError("embedding service down")
        return EmbeddingResponse(
            embeddings=[keyword_vector(item) for item in texts],
            usage=EmbeddingUsage(time=0.0, tokens=len(texts)),
        )


def make_knowledge(
    name: str = "weather-notes", embedding: KeywordEmbedding | None = None
) -> SimpleKnowledge:
    store = QdrantStore(location=":memory:", collection_name=name, dimensions=len(KEYWORDS))
    return SimpleKnowledge(embedding_store=store, embedding_model=embedding or KeywordEmbedding())


class OverridingKnowledge(SimpleKnowledge):
    """Overrides both methods again, each calling its base."""

    async def retrieve(self, query: str, limit: int = 5, **kwargs: Any) -> list[Document]:
        return await super().retrieve(query, limit, **kwargs)

    async def add_documents(self, documents: list[Document], **kwargs: Any) -> None:
        await super().add_documents(documents, **kwargs)


def overriding_knowledge_defined_now() -> type[SimpleKnowledge]:
    """A knowledge base class defined by the caller's code, after ``instrument()``."""

    class LateKnowledge(OverridingKnowledge):
        async def retrieve(self, query: str, limit: int = 5, **kwargs: Any) -> list[Document]:
            return await super().retrieve(query, limit, **kwargs)

        async def add_documents(self, documents: list[Document], **kwargs: Any) -> None:
            await super().add_documents(documents, **kwargs)

    return LateKnowledge


def remake(cls: type[SimpleKnowledge], name: str = "weather-notes") -> SimpleKnowledge:
    """A knowledge base of class ``cls``, built as ``make_knowledge`` builds one."""
    store = QdrantStore(location=":memory:", collection_name=name, dimensions=len(KEYWORDS))
    return cls(embedding_store=store, embedding_model=KeywordEmbedding())


async def index(
    knowledge: SimpleKnowledge, texts: list[str] = NOTES, document: str = "notes"
) -> Any:
    """Write ``texts`` as the chunks of one document; returns what AgentScope returned."""
    chunks = [
        Document(
            metadata=DocMetadata(
                content=TextBlock(type="text", text=text),
                doc_id=document,
                chunk_id=index,
                total_chunks=len(texts),
            )
        )
        for index, text in enumerate(texts)
    ]
    return await knowledge.add_documents(chunks)


async def search(knowledge: SimpleKnowledge, query: str, **options: Any) -> list[Document]:
    """Retrieve for ``query``: ``limit`` and ``score_threshold`` as given."""
    return await knowledge.retrieve(query, **options)


def hits(result: list[Document]) -> list[tuple[str, int, float]]:
    """(document, chunk, score rounded) of each document a search returned."""
    return [(doc.metadata.doc_id, doc.metadata.chunk_id, round(doc.score, 4)) for doc in result]


class _LibrarianModel(ChatModelBase):
    """Asks the retrieval tool about ``query`` once, then answers."""

    def __init__(self, query: str) -> None:
        super().__init__(model_name="scripted-model", stream=False)
        self.query = query
        self.calls = 0

    async def __call__(self, messages: list[dict], *args: Any, **kwargs: Any) -> ChatResponse:
        self.calls += 1
        if self.calls > 1:
            return ChatResponse(content=[TextBlock(type="text", text="Found it")], usage=usage())
        call = ToolUseBlock(
            type="tool_use", id="lookup-1", name=RETRIEVAL_TOOL, input={"query": self.query}
        )
        return ChatResponse(content=[call], usage=usage())


async def make_librarian(knowledge: SimpleKnowledge, query: str, name: str = "Librarian") -> Any:
    """An agent whose model looks ``query`` up with the knowledge base's tool."""
    toolkit = Toolkit()
    toolkit.register_tool_function(knowledge.retrieve_knowledge)
    return ReActAgent(
        name=name,
        sys_prompt="You look things up.",
        model=_LibrarianModel(query),
        formatter=OpenAIChatFormatter(),
        toolkit=toolkit,
    )

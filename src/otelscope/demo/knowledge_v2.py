"""The demo's travel notes on AgentScope 2.x: a ``KnowledgeBase`` over a
store of the demo's own, embedded offline (see ``notes``)."""

from __future__ import annotations

from typing import Any

from agentscope.credential import CredentialBase
from agentscope.embedding import EmbeddingModelBase, EmbeddingResponse, EmbeddingUsage
from agentscope.message import TextBlock
from agentscope.rag import Chunk, KnowledgeBase, VectorSearchResult, VectorStoreBase

from otelscope.demo import notes


class NotesEmbedding(EmbeddingModelBase):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(
            credential=CredentialBase(),
            model=notes.EMBEDDING_MODEL,
            dimensions=len(notes.KEYWORDS),
            parameters=None,
            context_size=512,
            batch_size=8,
            max_retries=0,
            retry_delay=0.0,
        )

    async def _call_api(self, inputs: list[Any], **kwargs: Any) -> EmbeddingResponse:
        texts = [item.text if isinstance(item, TextBlock) else str(item) for item in inputs]
        return EmbeddingResponse(
            embeddings=[notes.vector(text) for text in texts],
            usage=EmbeddingUsage(tokens=sum(len(text.split()) for text in texts), time=0.0),
        )


class NotesStore(VectorStoreBase):  # type: ignore[misc]
    """Records kept in lists per collection, ranked by cosine similarity."""

    def __init__(self) -> None:
        self.collections: dict[str, list[Any]] = {}

    async def create_collection(self, name: str, dimensions: int) -> None:
        self.collections.setdefault(name, [])

    async def delete_collection(self, name: str) -> None:
        self.collections.pop(name, None)

    async def has_collection(self, name: str) -> bool:
        return name in self.collections

    async def insert(self, collection: str, records: list[Any]) -> None:
        self.collections[collection].extend(records)

    async def delete(self, collection: str, document_id: str, **kwargs: Any) -> None:
        kept = [r for r in self.collections[collection] if r.document_id != document_id]
        self.collections[collection] = kept

    async def search(
        self, collection: str, query_vector: list[float], top_k: int = 5, **kwargs: Any
    ) -> list[Any]:
        records = self.collections[collection]
        found = notes.ranked(query_vector, [record.vector for record in records], top_k, None)
        return [
            VectorSearchResult(
                score=score, document_id=records[index].document_id, chunk=records[index].chunk
            )
            for index, score in found
        ]

    async def list_documents(self, collection: str, **kwargs: Any) -> list[Any]:
        return []


async def travel_notes() -> Any:
    """The notes, indexed."""
    knowledge = KnowledgeBase(
        name=notes.NOTES_NAME,
        description="Travel notes on Rome and Paris.",
        embedding_model=NotesEmbedding(),
        vector_store=NotesStore(),
        collection=notes.NOTES_NAME,
    )
    chunks = [
        Chunk(
            content=TextBlock(text=text),
            source="weekend-guide.md",
            chunk_index=index,
            total_chunks=len(notes.NOTES),
        )
        for index, text in enumerate(notes.NOTES)
    ]
    await knowledge.insert_document(chunks, document_id=notes.NOTES_DOCUMENT)
    return knowledge

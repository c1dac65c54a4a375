"""The demo's travel notes on AgentScope 1.x: a ``SimpleKnowledge`` over a
store of the demo's own, embedded offline (see ``notes``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from agentscope.embedding import EmbeddingModelBase, EmbeddingResponse, EmbeddingUsage
from agentscope.message import TextBlock
from agentscope.rag import DocMetadata, Document, SimpleKnowledge, VDBStoreBase

from otelscope.demo import notes


class NotesEmbedding(EmbeddingModelBase):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(model_name=notes.EMBEDDING_MODEL, dimensions=len(notes.KEYWORDS))
        self.supported_modalities = ["text"]

    async def __call__(self, text: list[Any], **kwargs: Any) -> EmbeddingResponse:
        texts = [item["text"] if isinstance(item, dict) else str(item) for item in text]
        return EmbeddingResponse(
            embeddings=[notes.vector(item) for item in texts],
            usage=EmbeddingUsage(time=0.0, tokens=sum(len(item.split()) for item in texts)),
        )


class NotesStore(VDBStoreBase):  # type: ignore[misc]
    """Documents kept in a list, ranked by cosine similarity."""

    def __init__(self, collection_name: str) -> None:
        self.collection_name = collection_name
        self.documents: list[Any] = []

    async def add(self, documents: list[Any], **kwargs: Any) -> None:
        self.documents.extend(documents)

    async def search(
        self, query_embedding: Any, limit: int, score_threshold: float | None = None, **kwargs: Any
    ) -> list[Any]:
        vectors = [document.embedding for document in self.documents]
        return [
            dataclasses.replace(self.documents[index], score=score)
            for index, score in notes.ranked(query_embedding, vectors, limit, score_threshold)
        ]

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("the demo's notes are never deleted")


async def travel_notes() -> Any:
    """The notes, indexed."""
    knowledge = SimpleKnowledge(
        embedding_store=NotesStore(notes.NOTES_NAME), embedding_model=NotesEmbedding()
    )
    chunks = [
        Document(
            metadata=DocMetadata(
                content=TextBlock(type="text", text=text),
                doc_id=notes.NOTES_DOCUMENT,
                chunk_id=index,
                total_chunks=len(notes.NOTES),
            )
        )
        for index, text in enumerate(notes.NOTES)
    ]
    await knowledge.add_documents(chunks)
    return knowledge

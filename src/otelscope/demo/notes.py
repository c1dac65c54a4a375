"""The travel notes the demo's Critic looks up, and how they are embedded
and ranked offline, the same on both lines: one dimension per keyword (the
words that start with it), ranked by cosine similarity.

The knowledge base is real AgentScope (1.x ``SimpleKnowledge``, 2.x
``KnowledgeBase``) over a store of the demo's own kept in memory
(``knowledge_v1.py``, ``knowledge_v2.py``), so the demo needs no vector
database installed.
"""

from __future__ import annotations

import math
import re

NOTES_NAME = "travel-notes"
NOTES_DOCUMENT = "weekend-guide"
NOTES = [
    "Rome: the Forum closes early on Sundays.",
    "Rome: book Forum tickets a day ahead.",
    "Paris: museums are crowded on weekends.",
]
KEYWORDS = ("rome", "forum", "paris", "museum")
EMBEDDING_MODEL = "notes-embedding"


def vector(text: str) -> list[float]:
    words = re.findall(r"[a-z]+", text.lower())
    return [float(sum(word.startswith(keyword) for word in words)) for keyword in KEYWORDS]


def similarity(first: list[float], second: list[float]) -> float:
    norms = math.hypot(*first) * math.hypot(*second)
    return sum(a * b for a, b in zip(first, second, strict=True)) / norms if norms else 0.0


def ranked(
    query: list[float], vectors: list[list[float]], limit: int, threshold: float | None
) -> list[tuple[int, float]]:
    """(index, score) of the ``limit`` most similar vectors, best first."""
    scores = [(index, similarity(query, found)) for index, found in enumerate(vectors)]
    kept = [pair for pair in scores if threshold is None or pair[1] >= threshold]
    return sorted(kept, key=lambda pair: -pair[1])[:limit]

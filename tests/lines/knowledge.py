"""What both lines' knowledge-base kits (``tests/v1/rag_kit.py``,
``tests/v2/rag_kit.py``) index and how they embed it: one dimension per
keyword, so every score a search returns is known in advance.

Searching "sun" scores the notes 1.0, 0.7071 and 0.0 (cosine similarity)."""

from __future__ import annotations

KEYWORDS = ("sun", "snow", "rain")
NOTES = ["sun over Rome", "sun and snow in Oslo", "rain in Lima"]


def keyword_vector(text: str) -> list[float]:
    words = text.lower().split()
    return [float(words.count(keyword)) for keyword in KEYWORDS]

"""What both AgentScope lines' knowledge bases share: the product behind a
vector store, as ``db.system.name``, and the content of a chunk or a query.

Both lines name their store classes after the database (``QdrantStore``,
``MilvusLiteStore``, ...). The class and then its bases are matched, so a
user's subclass of ``QdrantStore`` still reports ``qdrant``; a store with
none of AgentScope's in its ancestry reports nothing rather than a guess.
Values are the semantic conventions' well-known ones where they list the
product (``mongodb``, ``elasticsearch``, ``mysql``), its lower-case name
otherwise; Milvus Lite is Milvus run in-process.
"""

from __future__ import annotations

import weakref
from typing import Any, Final

from otelscope.agentscope_common.messages import to_part
from otelscope.core.values import field, text

# Class-name prefix of AgentScope's stores -> `db.system.name`.
_PREFIXES: Final = (
    ("Qdrant", "qdrant"),
    ("MilvusLite", "milvus"),
    ("MongoDB", "mongodb"),
    ("Elasticsearch", "elasticsearch"),
    ("OceanBase", "oceanbase"),
    ("AlibabaCloudMySQL", "mysql"),
)

_by_class: weakref.WeakKeyDictionary[type, str | None] = weakref.WeakKeyDictionary()


def store_system(cls: type) -> str | None:
    """The database of a store class, looked up once per class."""
    if cls in _by_class:
        return _by_class[cls]
    found = _by_class[cls] = _lookup(cls)
    return found


def _lookup(cls: type) -> str | None:
    for klass in cls.__mro__:
        if klass.__module__.startswith("agentscope."):
            for prefix, system in _PREFIXES:
                if klass.__name__.startswith(prefix):
                    return system
    return None


def chunk_content(block: Any) -> Any:
    """A chunk's content as recorded: its text, or, for an image or other
    data, the conventions' part for it (both lines tag blocks with a type)."""
    if field(block, "type") == "text":
        return text(field(block, "text"))
    return to_part(block)


def query_text(queries: Any) -> str | None:
    """The text of a query: a string, a text block, or (2.x) a list of them,
    one per line; blocks with no text (images) are left out."""
    if isinstance(queries, str):
        return queries or None
    if not isinstance(queries, list):
        queries = [queries]
    texts = [_text_of(query) for query in queries]
    return "\n".join(found for found in texts if found) or None


def _text_of(query: Any) -> str | None:
    if isinstance(query, str):
        return query
    return text(field(query, "text")) if field(query, "type") == "text" else None

"""`search_memory` and `upsert_memory` spans for AgentScope 1.x long-term memory.

``LongTermMemoryBase`` has two developer-facing methods, ``retrieve`` and
``record`` (a ``ReActAgent`` in ``static_control`` or ``both`` mode calls
them around each reply), and two agent-facing tool functions,
``retrieve_from_memory`` and ``record_to_memory`` (registered in its toolkit
in ``agent_control`` or ``both`` mode, so the model's call of one nests under
its ``execute_tool`` span). Each class that defines its own (``Mem0LongTermMemory``,
the three ReMe memories, a user's, now or later) is wrapped
(``otelscope.core.hierarchy``); the spans are ``otelscope.core.memory``'s.

- ``retrieve(msg, limit=5)``, ``retrieve_from_memory(keywords, limit=5)``:
  ``search_memory``, with the limit as ``gen_ai.request.top_k``; the query
  is the messages' text or the keywords, one per line. 1.x memories answer
  with one text, not records: Mem0's holds one memory per line, so its
  records are its lines; another memory's text (ReMe's answer, a user's) is
  one record, none when empty. A memory of the user's own that returns a
  list returns that many records.
- ``record(msgs)``, ``record_to_memory(thinking, content)``:
  ``upsert_memory``, with the messages (the ``None`` ones left out) or the
  contents given as its records: ``thinking`` is the model's reason, not
  something to remember.

Installed when ``agentscope.memory`` is imported (``agentscope`` imports it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otelscope.core import conventions as conv
from otelscope.core.hierarchy import NestedCallGuard, wrap_own_methods
from otelscope.core.memory import MemoryBackend, MemoryRecord, MemoryRequest
from otelscope.core.memory_call import WriteReader, traced_memory
from otelscope.core.patching import Patches
from otelscope.core.telemetry import Telemetry
from otelscope.core.values import field, number, text


def install(patches: Patches, telemetry: Telemetry) -> None:
    from agentscope.memory import LongTermMemoryBase

    searches = NestedCallGuard("otelscope_v1_memory_search")
    writes = NestedCallGuard("otelscope_v1_memory_write")
    for name, reader, guard in (
        ("retrieve", _Retrieve(), searches),
        ("retrieve_from_memory", _RetrieveFromMemory(), searches),
        ("record", _Record(), writes),
        ("record_to_memory", _RecordToMemory(), writes),
    ):
        wrap_own_methods(LongTermMemoryBase, name, traced_memory(telemetry, reader, guard), patches)


def memory_backend(memory: Any) -> MemoryBackend:
    """The memory's class, and the backend AgentScope's class in its ancestry names."""
    provider = None
    for cls in type(memory).__mro__:
        if cls.__module__.startswith("agentscope.memory"):
            if cls.__name__.startswith("Mem0"):
                provider = conv.PROVIDER_MEM0
            elif cls.__name__.startswith("ReMe"):
                provider = conv.PROVIDER_REME
            if provider is not None:
                break
    store_id = None
    if provider == conv.PROVIDER_MEM0:
        # mem0's vector store collection, where the memory keeps its records.
        client = field(memory, "long_term_working_memory")
        store_config = field(field(field(client, "config"), "vector_store"), "config")
        store_id = text(field(store_config, "collection_name"))
    return MemoryBackend(type(memory).__name__, provider, store_id)


class _Search:
    """What the two searches share: their answer, read as records."""

    def count(self, arguments: Mapping[str, Any], result: Any) -> int | None:
        if isinstance(result, list):
            return len(result)
        answer = _answer_text(result)
        return None if answer is None else len(_found(arguments, answer))

    def records(self, arguments: Mapping[str, Any], result: Any) -> list[MemoryRecord]:
        if isinstance(result, list):
            return [MemoryRecord(item) for item in result]
        answer = _answer_text(result)
        return [] if answer is None else [MemoryRecord(item) for item in _found(arguments, answer)]


class _Retrieve(_Search):
    """``retrieve(msg, limit=5, **kwargs) -> str``."""

    def request(self, memory: Any, arguments: Mapping[str, Any]) -> MemoryRequest:
        return MemoryRequest(
            conv.OP_SEARCH_MEMORY, memory_backend(memory), number(arguments.get("limit"))
        )

    def query(self, arguments: Mapping[str, Any]) -> str | None:
        return _lines(_message_text(msg) for msg in _messages(arguments.get("msg")))


class _RetrieveFromMemory(_Search):
    """``retrieve_from_memory(keywords, limit=5, **kwargs) -> ToolResponse``."""

    def request(self, memory: Any, arguments: Mapping[str, Any]) -> MemoryRequest:
        return MemoryRequest(
            conv.OP_SEARCH_MEMORY, memory_backend(memory), number(arguments.get("limit"))
        )

    def query(self, arguments: Mapping[str, Any]) -> str | None:
        keywords = arguments.get("keywords")
        return _lines(text(keyword) for keyword in keywords) if isinstance(keywords, list) else None


class _Record(WriteReader):
    """``record(msgs, **kwargs)``: the messages to remember."""

    def request(self, memory: Any, arguments: Mapping[str, Any]) -> MemoryRequest:
        count = len(_messages(arguments.get("msgs")))
        return MemoryRequest(conv.OP_UPSERT_MEMORY, memory_backend(memory), record_count=count)

    def records(self, arguments: Mapping[str, Any], result: Any) -> list[MemoryRecord]:
        return [MemoryRecord(_message_text(msg)) for msg in _messages(arguments.get("msgs"))]


class _RecordToMemory(WriteReader):
    """``record_to_memory(thinking, content, **kwargs)``: the contents to remember."""

    def request(self, memory: Any, arguments: Mapping[str, Any]) -> MemoryRequest:
        content = arguments.get("content")
        count = len(content) if isinstance(content, list) else None
        return MemoryRequest(conv.OP_UPSERT_MEMORY, memory_backend(memory), record_count=count)

    def records(self, arguments: Mapping[str, Any], result: Any) -> list[MemoryRecord]:
        content = arguments.get("content")
        return [MemoryRecord(item) for item in content] if isinstance(content, list) else []


def _found(arguments: Mapping[str, Any], answer: str) -> list[str]:
    """The records in a search's text answer: Mem0's lines; else the text.
    The memory is the method's ``self``."""
    if memory_backend(arguments.get("self")).provider == conv.PROVIDER_MEM0:
        return [line for line in answer.split("\n") if line.strip()]
    return [answer] if answer.strip() else []


def _answer_text(result: Any) -> str | None:
    """The text a search answered: ``retrieve``'s string, or the text blocks
    of ``retrieve_from_memory``'s ``ToolResponse``."""
    if isinstance(result, str):
        return result
    blocks = field(result, "content")
    if not isinstance(blocks, list):
        return None
    return "\n".join(
        block_text
        for block in blocks
        if field(block, "type") == "text" and (block_text := text(field(block, "text")))
    )


def _messages(value: Any) -> list[Any]:
    """A message or a list of them, the ``None`` ones left out."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [item for item in items if item is not None]


def _message_text(msg: Any) -> str | None:
    content = field(msg, "content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return _lines(text(field(block, "text")) for block in content)
    return None


def _lines(texts: Any) -> str | None:
    found = [item for item in texts if item]
    return "\n".join(found) if found else None

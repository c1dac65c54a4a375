"""`search_memory` and `upsert_memory` spans for AgentScope 2.x long-term memory.

2.x has no memory class: long-term memory is a middleware, which searches
before a reply and writes after it (its ``static_control`` mode) and gives
the model tools to do both (``agent_control``). Each middleware's every
search and write goes through one method of its own, wrapped on its class,
so both ways are traced alike, and a tool's search nests under its
``execute_tool`` span:

- ``Mem0Middleware``: ``_async_search`` (static searches and the
  ``search_memory`` tool, once per keyword) is ``search_memory``;
  ``_async_add_with_fallback`` (the ``add_memory`` tool: one write, tried
  again without extraction when mem0 extracted nothing) and ``_async_add``
  (the write after a reply) are ``upsert_memory``, one span per tool call.
  The store is mem0's vector store collection, where the client says it.
- ``ReMeMiddleware``: ``_search`` (static searches and the tool) is
  ``search_memory``; its ``auto_memory`` job (``_run_job``, the write after
  a reply, whose failure the middleware logs and absorbs) is
  ``upsert_memory``, with the messages of the turn as its records.

A search returns its memories as a list: its count is their number.
AgentScope's ``AgenticMemoryMiddleware`` keeps its memories as files the
agent reads and writes with its file tools; those are tool calls, not
memory operations, and are not traced as such.

Installed when ``agentscope.middleware`` is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otelscope.core import conventions as conv
from otelscope.core.hierarchy import NestedCallGuard
from otelscope.core.memory import MemoryBackend, MemoryRecord, MemoryRequest
from otelscope.core.memory_call import WriteReader, traced_memory
from otelscope.core.patching import Patches
from otelscope.core.telemetry import Telemetry
from otelscope.core.values import field, integer, number, text

# ReMe's job that writes a turn into memory (`ReMeMiddleware._write_back`).
_REME_WRITE_JOB = "auto_memory"


def install(patches: Patches, telemetry: Telemetry) -> None:
    from agentscope.middleware import Mem0Middleware, ReMeMiddleware

    searches = NestedCallGuard("otelscope_v2_memory_search")
    writes = NestedCallGuard("otelscope_v2_memory_write")
    for owner, name, reader, guard in (
        (Mem0Middleware, "_async_search", _Mem0Search(), searches),
        (Mem0Middleware, "_async_add_with_fallback", _Mem0AddText(), writes),
        (Mem0Middleware, "_async_add", _Mem0Add(), writes),
        (ReMeMiddleware, "_search", _ReMeSearch(), searches),
        (ReMeMiddleware, "_run_job", _ReMeWrite(), writes),
    ):
        patches.wrap(owner, name, traced_memory(telemetry, reader, guard))


def _mem0(middleware: Any) -> MemoryBackend:
    client = field(middleware, "_client")
    store_config = field(field(field(client, "config"), "vector_store"), "config")
    store_id = text(field(store_config, "collection_name"))
    return MemoryBackend(type(middleware).__name__, conv.PROVIDER_MEM0, store_id)


def _reme(middleware: Any) -> MemoryBackend:
    return MemoryBackend(type(middleware).__name__, conv.PROVIDER_REME)


class _Search:
    def count(self, arguments: Mapping[str, Any], result: Any) -> int | None:
        return len(result) if isinstance(result, list) else None

    def query(self, arguments: Mapping[str, Any]) -> str | None:
        return text(arguments.get("query"))

    def records(self, arguments: Mapping[str, Any], result: Any) -> list[MemoryRecord]:
        return [MemoryRecord(item) for item in result] if isinstance(result, list) else []


class _Mem0Search(_Search):
    """``_async_search(query, *, user_id, agent_id, top_k=None) -> list[str]``."""

    def request(self, middleware: Any, arguments: Mapping[str, Any]) -> MemoryRequest:
        top_k = integer(arguments.get("top_k"))
        if top_k is None:
            top_k = integer(field(middleware, "_top_k"))
        return MemoryRequest(conv.OP_SEARCH_MEMORY, _mem0(middleware), number(top_k))


class _Mem0AddText(WriteReader):
    """``_async_add_with_fallback(text, *, user_id, agent_id)``: the tool's facts."""

    def request(self, middleware: Any, arguments: Mapping[str, Any]) -> MemoryRequest:
        return MemoryRequest(conv.OP_UPSERT_MEMORY, _mem0(middleware), record_count=1)

    def records(self, arguments: Mapping[str, Any], result: Any) -> list[MemoryRecord]:
        return [MemoryRecord(arguments.get("text"))]


class _Mem0Add(WriteReader):
    """``_async_add(messages, *, user_id, agent_id, infer=True)``: mem0 messages."""

    def request(self, middleware: Any, arguments: Mapping[str, Any]) -> MemoryRequest:
        messages = arguments.get("messages")
        count = len(messages) if isinstance(messages, list) else None
        return MemoryRequest(conv.OP_UPSERT_MEMORY, _mem0(middleware), record_count=count)

    def records(self, arguments: Mapping[str, Any], result: Any) -> list[MemoryRecord]:
        messages = arguments.get("messages")
        return [_message_record(message) for message in messages or ()]


class _ReMeSearch(_Search):
    """``_search(query, *, limit=None) -> list[str]``."""

    def request(self, middleware: Any, arguments: Mapping[str, Any]) -> MemoryRequest:
        limit = integer(arguments.get("limit"))
        if limit is None:
            limit = integer(field(field(middleware, "_parameters"), "top_k"))
        return MemoryRequest(conv.OP_SEARCH_MEMORY, _reme(middleware), number(limit))


class _ReMeWrite(WriteReader):
    """``_run_job(name, **kwargs)``: only its ``auto_memory`` job, the messages
    of a turn (dumped ``Msg``s); its other jobs are traced where they are asked."""

    def request(self, middleware: Any, arguments: Mapping[str, Any]) -> MemoryRequest | None:
        if arguments.get("name") != _REME_WRITE_JOB:
            return None
        messages = _job_messages(arguments)
        count = len(messages) if messages is not None else None
        return MemoryRequest(conv.OP_UPSERT_MEMORY, _reme(middleware), record_count=count)

    def records(self, arguments: Mapping[str, Any], result: Any) -> list[MemoryRecord]:
        return [_message_record(message) for message in _job_messages(arguments) or ()]


def _job_messages(arguments: Mapping[str, Any]) -> list[Any] | None:
    options = arguments.get("kwargs")
    messages = options.get("messages") if isinstance(options, Mapping) else None
    return messages if isinstance(messages, list) else None


def _message_record(message: Any) -> MemoryRecord:
    """A message given to the memory: its content, its role as metadata."""
    role = text(field(message, "role"))
    return MemoryRecord(field(message, "content"), metadata={"role": role} if role else None)

"""Tracing a long-term memory's methods, whatever the AgentScope line.

An adapter wraps each memory method with ``traced_memory`` and supplies a
reader that knows its line's objects; the four guarded steps are
``otelscope.core.guard``'s, the span ``otelscope.core.memory``'s. The method
runs with its span current, so what it calls (an embedding or model call of
the backend) nests under it, and a memory tool the model calls nests under
its ``execute_tool`` span.

The reader sees the call's arguments by name, defaults applied
(``otelscope.core.method_call``): a limit left out is the method's own
default. One ``NestedCallGuard`` per operation, shared by the methods that
perform it: a method that reaches another of the same operation on the same
memory (a subclass's ``super()``, a tool method that writes through
``record``, a write that retries itself) is one span.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, Protocol

from otelscope.core.hierarchy import NestedCallGuard
from otelscope.core.memory import (
    MemoryRecord,
    MemoryRequest,
    memory_records_content,
    memory_returned,
    query_content,
    start_memory_operation,
)
from otelscope.core.method_call import ReadingSteps, Wrap, traced_method
from otelscope.core.operation import Operation
from otelscope.core.telemetry import Telemetry


class MemoryReader(Protocol):
    """What one memory method's call means on one AgentScope line."""

    def request(self, memory: Any, arguments: Mapping[str, Any]) -> MemoryRequest | None:
        """The operation, or None for a call that is none (it runs untraced)."""

    def count(self, arguments: Mapping[str, Any], result: Any) -> int | None:
        """How many records a search returned (None for a write)."""

    def query(self, arguments: Mapping[str, Any]) -> str | None:
        """The search's query text (only asked when content is recorded)."""

    def records(self, arguments: Mapping[str, Any], result: Any) -> list[MemoryRecord]:
        """The records written or found (only asked when content is recorded)."""


class WriteReader:
    """The part every write's reader shares: a write has no query, and
    returns no records to count."""

    def count(self, arguments: Mapping[str, Any], result: Any) -> int | None:
        return None

    def query(self, arguments: Mapping[str, Any]) -> str | None:
        return None


def traced_memory(telemetry: Telemetry, reader: MemoryReader, guard: NestedCallGuard) -> Wrap:
    return traced_method(lambda signature: _MemorySteps(telemetry, reader, guard, signature))


class _MemorySteps(ReadingSteps):
    what = "a memory span"

    def __init__(
        self,
        telemetry: Telemetry,
        reader: MemoryReader,
        guard: NestedCallGuard,
        signature: inspect.Signature | None,
    ) -> None:
        super().__init__(telemetry, guard, signature)
        self._reader = reader

    def open(self, memory: Any, arguments: Mapping[str, Any]) -> Operation | None:
        request = self._reader.request(memory, arguments)
        return None if request is None else start_memory_operation(self._telemetry, request)

    def query_content(self, arguments: Mapping[str, Any]) -> Mapping[str, Any]:
        return query_content(self._reader.query(arguments))

    def result_content(self, arguments: Mapping[str, Any], result: Any) -> Mapping[str, Any]:
        return memory_records_content(self._reader.records(arguments, result))

    def count(self, arguments: Mapping[str, Any], result: Any) -> int | None:
        return self._reader.count(arguments, result)

    def close(self, operation: Operation, count: int | None) -> None:
        memory_returned(operation, count)

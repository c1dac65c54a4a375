"""Tracing a knowledge base's reads and writes, whatever the AgentScope line.

An adapter wraps each knowledge-base method with ``traced_retrieval`` or
``traced_indexing`` and supplies a reader that knows its line's objects; the
four guarded steps are ``otelscope.core.guard``'s, the spans
``otelscope.core.retrieval``'s. The method runs with its span current, so
the embedding call it makes nests under it.

The reader sees the call's arguments by name, defaults applied, and a
subclass's ``super()`` call is one span (``otelscope.core.method_call``; a
``NestedCallGuard`` per method): a limit the caller left out is the
method's own default, the one the search used.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, Protocol

from otelscope.core.hierarchy import NestedCallGuard
from otelscope.core.method_call import MethodSteps, ReadingSteps, Wrap, traced_method
from otelscope.core.operation import Operation
from otelscope.core.retrieval import (
    IndexingRequest,
    RetrievalRequest,
    RetrievedDocument,
    documents_content,
    query_content,
    retrieved,
    start_indexing,
    start_retrieval,
)
from otelscope.core.telemetry import Telemetry


class RetrievalReader(Protocol):
    """What a retrieval method's call means on one AgentScope line."""

    def request(self, knowledge: Any, arguments: Mapping[str, Any]) -> RetrievalRequest: ...

    def count(self, result: Any) -> int | None:
        """How many documents the method returned."""

    def query(self, arguments: Mapping[str, Any]) -> str | None:
        """The query's text (only asked when content is recorded)."""

    def documents(self, arguments: Mapping[str, Any], result: Any) -> list[RetrievedDocument]:
        """The documents returned (only asked when content is recorded)."""


class IndexingReader(Protocol):
    """What a method that writes documents means on one AgentScope line."""

    def request(self, knowledge: Any, arguments: Mapping[str, Any]) -> IndexingRequest: ...


def traced_retrieval(telemetry: Telemetry, reader: RetrievalReader, guard_name: str) -> Wrap:
    guard = NestedCallGuard(guard_name)
    return traced_method(lambda signature: _RetrievalSteps(telemetry, reader, guard, signature))


def traced_indexing(telemetry: Telemetry, reader: IndexingReader, guard_name: str) -> Wrap:
    guard = NestedCallGuard(guard_name)
    return traced_method(lambda signature: _IndexingSteps(telemetry, reader, guard, signature))


class _RetrievalSteps(ReadingSteps):
    what = "a retrieval span"

    def __init__(
        self,
        telemetry: Telemetry,
        reader: RetrievalReader,
        guard: NestedCallGuard,
        signature: inspect.Signature | None,
    ) -> None:
        super().__init__(telemetry, guard, signature)
        self._reader = reader

    def open(self, knowledge: Any, arguments: Mapping[str, Any]) -> Operation:
        return start_retrieval(self._telemetry, self._reader.request(knowledge, arguments))

    def query_content(self, arguments: Mapping[str, Any]) -> Mapping[str, Any]:
        return query_content(self._reader.query(arguments))

    def result_content(self, arguments: Mapping[str, Any], result: Any) -> Mapping[str, Any]:
        return documents_content(self._reader.documents(arguments, result))

    def count(self, arguments: Mapping[str, Any], result: Any) -> int | None:
        return self._reader.count(result)

    def close(self, operation: Operation, count: int | None) -> None:
        retrieved(operation, count)


class _IndexingSteps(MethodSteps):
    what = "an index_documents span"

    def __init__(
        self,
        telemetry: Telemetry,
        reader: IndexingReader,
        guard: NestedCallGuard,
        signature: inspect.Signature | None,
    ) -> None:
        super().__init__(guard, signature)
        self._telemetry = telemetry
        self._reader = reader

    def start(self, knowledge: Any, arguments: Mapping[str, Any]) -> Operation:
        return start_indexing(self._telemetry, self._reader.request(knowledge, arguments))

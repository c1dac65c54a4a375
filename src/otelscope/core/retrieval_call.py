"""Tracing a knowledge base's reads and writes, whatever the AgentScope line.

An adapter wraps each knowledge-base method with ``traced_retrieval`` or
``traced_indexing`` and supplies a reader that knows its line's objects; the
four guarded steps are ``otelscope.core.guard``'s, the spans
``otelscope.core.retrieval``'s. The method runs with its span current, so
the embedding call it makes nests under it.

The reader sees the call's arguments by name, defaults applied (each
wrapped method's signature is read once, when it is wrapped): a limit the
caller left out is the method's own default, the one the search used. A
subclass that overrides the method and calls ``super()`` passes through two
wrappers; the inner one steps aside (a ``NestedCallGuard`` per method).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Mapping
from contextlib import AbstractContextManager
from typing import Any, NamedTuple, Protocol

from otelscope.core.arguments import bound_arguments, signature_of
from otelscope.core.guard import Arguments, guarded_coroutine, report_internal_error, safely
from otelscope.core.hierarchy import NestedCallGuard
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
from otelscope.core.streams import step_scope
from otelscope.core.telemetry import Telemetry

KnowledgeCall = Callable[..., Coroutine[Any, Any, Any]]
Wrap = Callable[[KnowledgeCall], KnowledgeCall]


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

    def wrap(original: KnowledgeCall) -> KnowledgeCall:
        steps = _RetrievalSteps(telemetry, reader, guard, signature_of(original))
        return guarded_coroutine(steps)(original)

    return wrap


def traced_indexing(telemetry: Telemetry, reader: IndexingReader, guard_name: str) -> Wrap:
    guard = NestedCallGuard(guard_name)

    def wrap(original: KnowledgeCall) -> KnowledgeCall:
        steps = _IndexingSteps(telemetry, reader, guard, signature_of(original))
        return guarded_coroutine(steps)(original)

    return wrap


class _Running(NamedTuple):
    operation: Operation
    arguments: Mapping[str, Any]


class _KnowledgeSteps:
    """What a read and a write share: the method runs with its span current,
    marked as running for its knowledge base."""

    def __init__(
        self, telemetry: Telemetry, guard: NestedCallGuard, signature: inspect.Signature | None
    ) -> None:
        self._telemetry = telemetry
        self._guard = guard
        self._signature = signature

    def arguments(self, args: Arguments, kwargs: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The call's arguments by name, or None when this call is part of
        one traced already (``super()``)."""
        if self._guard.is_running(args[0]):
            return None
        return bound_arguments(self._signature, args, kwargs)

    def scope(self, running: _Running, args: Arguments) -> AbstractContextManager[object]:
        return step_scope(running.operation, also=self._guard.running(args[0]))

    def failed(self, running: _Running, error: BaseException) -> None:
        running.operation.fail(error)


class _RetrievalSteps(_KnowledgeSteps):
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

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> _Running | None:
        arguments = self.arguments(args, kwargs)
        if arguments is None:
            return None
        operation = start_retrieval(self._telemetry, self._reader.request(args[0], arguments))
        # Once the span started, a failure to read is reported and the call
        # stays traced: the span must still end.
        if self._telemetry.wants_span_content(operation):
            safely("recording a retrieval's query", self._record_query, operation, arguments)
        return _Running(operation, arguments)

    def returned(self, running: _Running, result: Any) -> Any:
        operation, arguments = running
        if self._telemetry.wants_span_content(operation):
            what = "recording retrieved documents"
            safely(what, self._record_documents, operation, arguments, result)
        count = None
        try:
            count = self._reader.count(result)
        except Exception:
            report_internal_error("counting retrieved documents")
        retrieved(operation, count)
        return result

    def _record_query(self, operation: Operation, arguments: Mapping[str, Any]) -> None:
        query = self._reader.query(arguments)
        self._telemetry.record_content(operation, query_content(query))

    def _record_documents(
        self, operation: Operation, arguments: Mapping[str, Any], result: Any
    ) -> None:
        documents = self._reader.documents(arguments, result)
        self._telemetry.record_content(operation, documents_content(documents))


class _IndexingSteps(_KnowledgeSteps):
    what = "an index_documents span"

    def __init__(
        self,
        telemetry: Telemetry,
        reader: IndexingReader,
        guard: NestedCallGuard,
        signature: inspect.Signature | None,
    ) -> None:
        super().__init__(telemetry, guard, signature)
        self._reader = reader

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> _Running | None:
        arguments = self.arguments(args, kwargs)
        if arguments is None:
            return None
        request = self._reader.request(args[0], arguments)
        return _Running(start_indexing(self._telemetry, request), arguments)

    def returned(self, running: _Running, result: Any) -> Any:
        running.operation.stop()
        return result

"""Tracing one model call (chat or embeddings), streamed or not, whatever
the AgentScope line.

An adapter supplies a reader that knows its line's model objects; the
wrapper here owns the four guarded steps and the span's lifecycle.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Callable, Coroutine, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol, cast

from otelscope.core.guard import Arguments, guarded_coroutine
from otelscope.core.hierarchy import NestedCallGuard
from otelscope.core.invocations import ChatOperation, EmbeddingsOperation, ModelOperation
from otelscope.core.records import ChatRequest, ChatResult, EmbeddingsRequest, EmbeddingsResult
from otelscope.core.streams import step_scope, traced_stream
from otelscope.core.telemetry import Telemetry

ModelCall = Callable[..., Coroutine[Any, Any, Any]]


class ModelReader(Protocol):
    def already_traced(self, model: Any) -> bool:
        """Whether this call is part of a model call traced already (``super()``)."""

    def scope(self, model: Any) -> AbstractContextManager[None]:
        """Context held while the model's own code runs."""


class ChatReader(ModelReader, Protocol):
    """What a chat model call means on one AgentScope line."""

    def request(
        self, model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> ChatRequest: ...

    def result(self, response: Any) -> ChatResult: ...

    def is_final_chunk(self, chunk: Any) -> bool:
        """Whether a streamed chunk holds the whole response so far."""

    def content_in(
        self, model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        """The request's content by attribute key (only asked when capturing)."""

    def content_out(self, response: Any, finish_reason: str | None) -> Mapping[str, Any]:
        """The response's content by attribute key (only asked when capturing);
        ``finish_reason`` is the provider's, when its SDK reported one."""


class EmbeddingsReader(ModelReader, Protocol):
    """What an embedding model call means on one AgentScope line."""

    def request(self, model: Any) -> EmbeddingsRequest: ...

    def result(self, response: Any) -> EmbeddingsResult: ...


def traced_model_call(telemetry: Telemetry, reader: ChatReader) -> Callable[[ModelCall], ModelCall]:
    return guarded_coroutine(_ChatSteps(telemetry, reader))


def traced_embeddings_call(
    telemetry: Telemetry, reader: EmbeddingsReader
) -> Callable[[ModelCall], ModelCall]:
    return guarded_coroutine(_EmbeddingsSteps(telemetry, reader))


class _ModelCallSteps:
    """What a chat and an embeddings call share: the model's own code runs
    with the operation current, as the call its provider's SDK reports to."""

    def __init__(self, reader: ModelReader) -> None:
        self._reader = reader

    def scope(self, operation: ModelOperation, args: Arguments) -> AbstractContextManager[object]:
        return step_scope(operation, also=self._reader.scope(args[0]), serving=operation)

    def failed(self, operation: ModelOperation, error: BaseException) -> None:
        operation.fail(error)


class _ChatSteps(_ModelCallSteps):
    what = "a chat span"

    def __init__(self, telemetry: Telemetry, reader: ChatReader) -> None:
        super().__init__(reader)
        self._telemetry = telemetry
        self._chat = reader

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> ChatOperation | None:
        model, call_args = args[0], args[1:]
        if self._chat.already_traced(model):
            return None
        operation = self._telemetry.start_chat(self._chat.request(model, call_args, kwargs))
        # The switch first: no call at all when capture is off.
        if self._telemetry.capturing and self._telemetry.wants_content(operation):
            content = self._chat.content_in(model, call_args, kwargs)
            self._telemetry.record_content(operation, content)
        return operation

    def returned(self, operation: ChatOperation, response: Any) -> Any:
        if inspect.isasyncgen(response):
            stream = cast(AsyncGenerator[Any, None], response)
            observer = ChatStream(operation, self._chat, self._telemetry)
            return traced_stream(stream, operation, observer, serving=operation)
        finish_chat(self._telemetry, self._chat, operation, response)
        return response


class _EmbeddingsSteps(_ModelCallSteps):
    what = "an embeddings span"

    def __init__(self, telemetry: Telemetry, reader: EmbeddingsReader) -> None:
        super().__init__(reader)
        self._telemetry = telemetry
        self._embeddings = reader

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> EmbeddingsOperation | None:
        model = args[0]
        if self._embeddings.already_traced(model):
            return None
        return self._telemetry.start_embeddings(self._embeddings.request(model))

    def returned(self, operation: EmbeddingsOperation, response: Any) -> Any:
        operation.finish(self._embeddings.result(response))
        return response


class GuardedEmbeddingsReader:
    """An ``EmbeddingsReader`` made of a line's two read functions; a call
    that reaches the same model again through ``super()`` steps aside."""

    def __init__(
        self,
        guard_name: str,
        request: Callable[[Any], EmbeddingsRequest],
        result: Callable[[Any], EmbeddingsResult],
        also_during_call: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        self._guard = NestedCallGuard(guard_name)
        self.request = request
        self.result = result
        self._also_during_call = also_during_call

    def already_traced(self, model: Any) -> bool:
        return self._guard.is_running(model)

    def scope(self, model: Any) -> AbstractContextManager[None]:
        return self._guard.running(model, self._also_during_call())


def finish_chat(
    telemetry: Telemetry, reader: ChatReader, operation: ChatOperation, response: Any
) -> None:
    """Record the response (and its content when capturing); end the span."""
    if telemetry.capturing and telemetry.wants_content(operation):
        telemetry.record_content(operation, reader.content_out(response, _served_reason(operation)))
    operation.finish(reader.result(response))


def _served_reason(operation: ChatOperation) -> str | None:
    served = operation.served.result() if operation.served is not None else None
    reasons = served.finish_reasons if served is not None else None
    return reasons[0] if reasons else None


class ChatStream:
    """A streamed response: its result is read from the last final chunk."""

    __slots__ = ("_final", "_operation", "_reader", "_telemetry")

    def __init__(self, operation: ChatOperation, reader: ChatReader, telemetry: Telemetry) -> None:
        self._operation = operation
        self._reader = reader
        self._telemetry = telemetry
        self._final: Any = None

    def item(self, item: Any) -> None:
        self._operation.chunk_arrived()
        if self._reader.is_final_chunk(item):
            self._final = item

    def finished(self) -> None:
        if self._final is None:
            self._operation.finish(None)
        else:
            finish_chat(self._telemetry, self._reader, self._operation, self._final)

    def failed(self, error: BaseException) -> None:
        self._operation.fail(error)

    def closed(self) -> None:
        self._operation.cancel()

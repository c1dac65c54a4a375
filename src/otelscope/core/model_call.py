"""Tracing one model call (chat or embeddings), streamed or not, whatever
the AgentScope line.

An adapter supplies a reader that knows its line's model objects; the
wrapper here owns the four guarded steps and the span's lifecycle.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Callable, Coroutine, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol, TypeVar, cast

from otelscope.core.guard import report_internal_error, safely, suppressed
from otelscope.core.hierarchy import NestedCallGuard
from otelscope.core.served import enter_serving, leave_serving
from otelscope.core.streams import step_scope, traced_stream
from otelscope.core.telemetry import (
    ChatOperation,
    ChatRequest,
    ChatResult,
    EmbeddingsOperation,
    EmbeddingsRequest,
    EmbeddingsResult,
    Telemetry,
)

ModelCall = Callable[..., Coroutine[Any, Any, Any]]
OperationT = TypeVar("OperationT", bound="ChatOperation | EmbeddingsOperation")


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
    def begin(model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> ChatOperation:
        operation = telemetry.start_chat(reader.request(model, args, kwargs))
        if telemetry.capturing:
            telemetry.record_content(operation, reader.content_in(model, args, kwargs))
        return operation

    def end(operation: ChatOperation, response: Any) -> Any:
        if inspect.isasyncgen(response):
            stream = cast(AsyncGenerator[Any, None], response)
            observer = ChatStream(operation, reader, telemetry)
            return traced_stream(stream, operation, observer, serving=operation)
        finish_chat(telemetry, reader, operation, response)
        return response

    return _traced_call("chat", reader, begin, end)


def traced_embeddings_call(
    telemetry: Telemetry, reader: EmbeddingsReader
) -> Callable[[ModelCall], ModelCall]:
    def begin(model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> EmbeddingsOperation:
        return telemetry.start_embeddings(reader.request(model))

    def end(operation: EmbeddingsOperation, response: Any) -> Any:
        operation.finish(reader.result(response))
        return response

    return _traced_call("embeddings", reader, begin, end)


def _traced_call(
    kind: str,
    reader: ModelReader,
    begin: Callable[[Any, tuple[Any, ...], Mapping[str, Any]], OperationT],
    end: Callable[[OperationT, Any], Any],
) -> Callable[[ModelCall], ModelCall]:
    def start(model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> OperationT | None:
        try:
            if reader.already_traced(model):
                return None
            return begin(model, args, kwargs)
        except Exception:
            report_internal_error(f"starting a {kind} span")
            return None

    def wrap(original: ModelCall) -> ModelCall:
        async def __call__(self: Any, *args: Any, **kwargs: Any) -> Any:
            operation = None if suppressed() else start(self, args, kwargs)
            if operation is None:
                return await original(self, *args, **kwargs)
            try:
                with step_scope(operation), reader.scope(self):
                    serving = enter_serving(operation)
                    try:
                        response = await original(self, *args, **kwargs)
                    finally:
                        leave_serving(serving)
            except BaseException as error:
                safely(f"ending a failed {kind} span", operation.fail, error)
                raise
            try:
                return end(operation, response)
            except Exception:
                report_internal_error(f"ending a {kind} span")
                return response

        return __call__

    return wrap


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
    if telemetry.capturing:
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

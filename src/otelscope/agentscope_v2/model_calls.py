"""`chat` spans for AgentScope 2.x: ``ChatModelBase.__call__``.

No 2.x model class overrides ``__call__``, so one wrapper covers every model,
inside an agent or called directly. The call includes AgentScope's retries of
``_call_api`` (one span per model call as the caller sees it).

A streamed response is an async generator of delta chunks followed by one
accumulated ``is_last`` chunk that carries usage and the finish reason; the
span reads its result from that chunk. 2.x reports a cancelled model call as
a response whose ``finished_reason`` is ``interrupted``; the span is then
marked cancelled.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Callable, Coroutine
from typing import Any, cast

from otelscope.agentscope_v2 import readers
from otelscope.core.guard import report_internal_error, safely, suppressed
from otelscope.core.streams import step_scope, traced_stream
from otelscope.core.telemetry import ChatOperation, Telemetry

ModelCall = Callable[..., Coroutine[Any, Any, Any]]


def traced_model_call(telemetry: Telemetry) -> Callable[[ModelCall], ModelCall]:
    def wrap(original: ModelCall) -> ModelCall:
        async def __call__(self: Any, *args: Any, **kwargs: Any) -> Any:
            operation = _start(telemetry, self, kwargs)
            if operation is None:
                return await original(self, *args, **kwargs)
            try:
                with step_scope(operation):
                    response = await original(self, *args, **kwargs)
            except BaseException as error:
                safely("ending a failed chat span", operation.fail, error)
                raise
            return _finish(operation, response)

        return __call__

    return wrap


def _start(telemetry: Telemetry, model: Any, kwargs: dict[str, Any]) -> ChatOperation | None:
    if suppressed():
        return None
    try:
        return telemetry.start_chat(readers.chat_request(model, kwargs))
    except Exception:
        report_internal_error("starting a chat span")
        return None


def _finish(operation: ChatOperation, response: Any) -> Any:
    try:
        if inspect.isasyncgen(response):
            stream = cast(AsyncGenerator[Any, None], response)
            return traced_stream(stream, operation, _DeltaChatStream(operation))
        operation.finish(readers.chat_result(response))
    except Exception:
        report_internal_error("ending a chat span")
    return response


class _DeltaChatStream:
    """2.x streams deltas, then the accumulated response as the last chunk."""

    __slots__ = ("_final", "_operation")

    def __init__(self, operation: ChatOperation) -> None:
        self._operation = operation
        self._final: Any = None

    def item(self, item: Any) -> None:
        self._operation.chunk_arrived()
        if readers.is_final_chunk(item):
            self._final = item

    def finished(self) -> None:
        self._operation.finish(readers.chat_result(self._final) if self._final else None)

    def failed(self, error: BaseException) -> None:
        self._operation.fail(error)

    def closed(self) -> None:
        self._operation.cancel()

"""`chat` spans for AgentScope 1.x models.

Every 1.x model class overrides ``__call__`` itself (there is no shared
implementation to wrap), so each class that defines ``__call__`` is wrapped:
the ones that exist at instrumentation time, and, through
``ChatModelBase.__init_subclass__``, every class defined later (a user's
model is usually defined after ``instrument()`` runs).

A streamed response (``model.stream`` is True) is an async generator of
cumulative chunks: the last chunk is the whole response, so usage is read
from it when the stream ends.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Callable, Coroutine
from contextvars import ContextVar
from typing import Any, cast

from otelscope.agentscope_v1 import readers
from otelscope.agentscope_v1.native_tracing import native_tracing_off
from otelscope.core.guard import report_internal_error, suppressed
from otelscope.core.patching import Patches
from otelscope.core.streams import step_scope, traced_stream
from otelscope.core.telemetry import ChatOperation, Telemetry

ModelCall = Callable[..., Coroutine[Any, Any, Any]]

# The model whose call is running in this context: a subclass's `__call__`
# that awaits `super().__call__()` is one model call, not two.
_model_in_call: ContextVar[object | None] = ContextVar("otelscope_v1_model_in_call", default=None)


def install(telemetry: Telemetry, patches: Patches) -> None:
    from agentscope.model import ChatModelBase

    wrap = traced_model_call(telemetry)
    for cls in _subclasses(ChatModelBase):
        if "__call__" in cls.__dict__ and not inspect.isabstract(cls):
            patches.wrap(cls, "__call__", wrap)

    def __init_subclass__(cls: type, /, **kwargs: Any) -> None:
        super(ChatModelBase, cls).__init_subclass__(**kwargs)
        try:
            if "__call__" in cls.__dict__:
                patches.wrap(cls, "__call__", wrap)
        except Exception:
            report_internal_error(f"wrapping {cls.__qualname__}.__call__")

    patches.replace(ChatModelBase, "__init_subclass__", classmethod(__init_subclass__))


def traced_model_call(telemetry: Telemetry) -> Callable[[ModelCall], ModelCall]:
    def wrap(original: ModelCall) -> ModelCall:
        async def __call__(self: Any, *args: Any, **kwargs: Any) -> Any:
            operation = _start(telemetry, self, kwargs)
            if operation is None:
                return await original(self, *args, **kwargs)
            token = _model_in_call.set(self)
            try:
                with step_scope(operation), native_tracing_off():
                    response = await original(self, *args, **kwargs)
            except BaseException as error:
                _fail(operation, error)
                raise
            finally:
                _model_in_call.reset(token)
            return _finish(operation, response)

        return __call__

    return wrap


def _start(telemetry: Telemetry, model: Any, kwargs: dict[str, Any]) -> ChatOperation | None:
    if suppressed() or _model_in_call.get() is model:
        return None
    try:
        return telemetry.start_chat(readers.chat_request(model, kwargs))
    except Exception:
        report_internal_error("starting a chat span")
        return None


def _fail(operation: ChatOperation, error: BaseException) -> None:
    try:
        operation.fail(error)
    except Exception:
        report_internal_error("ending a failed chat span")


def _finish(operation: ChatOperation, response: Any) -> Any:
    """End the span now, or hand the stream on traced; returns what to give the caller."""
    try:
        if inspect.isasyncgen(response):
            stream = cast(AsyncGenerator[Any, None], response)
            return traced_stream(stream, operation, _CumulativeChatStream(operation))
        operation.finish(readers.chat_result(response))
    except Exception:
        report_internal_error("ending a chat span")
    return response


class _CumulativeChatStream:
    """Each 1.x chunk holds everything so far: the last one is the response."""

    __slots__ = ("_last", "_operation")

    def __init__(self, operation: ChatOperation) -> None:
        self._operation = operation
        self._last: Any = None

    def item(self, item: Any) -> None:
        self._operation.chunk_arrived()
        self._last = item

    def finished(self) -> None:
        result = readers.chat_result(self._last) if self._last is not None else None
        self._operation.finish(result)

    def failed(self, error: BaseException) -> None:
        self._operation.fail(error)

    def closed(self) -> None:
        self._operation.cancel()


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    pending = [cls]
    while pending:
        sub: type
        for sub in pending.pop().__subclasses__():
            if sub not in found:
                found.append(sub)
                pending.append(sub)
    return found

"""`chat` spans for AgentScope 1.x models.

Every 1.x model class overrides ``__call__`` itself (there is no shared
implementation to wrap), so each class that defines ``__call__`` is wrapped:
the ones that exist at instrumentation time, and, through
``ChatModelBase.__init_subclass__``, every class defined later (a user's
model is usually defined after ``instrument()`` runs).

A streamed response (``model.stream`` is True) is an async generator of
cumulative chunks: each holds the whole response so far, so the result is
read from the last one.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from otelscope.agentscope_v1 import readers
from otelscope.agentscope_v1.native_tracing import native_tracing_off
from otelscope.core.guard import report_internal_error
from otelscope.core.model_call import traced_model_call
from otelscope.core.patching import Patches
from otelscope.core.telemetry import ChatRequest, ChatResult, Telemetry

# The model whose call is running in this context: a subclass's `__call__`
# that awaits `super().__call__()` is one model call, not two.
_model_in_call: ContextVar[object | None] = ContextVar("otelscope_v1_model_in_call", default=None)


class ChatReaderV1:
    def request(self, model: Any, kwargs: Mapping[str, Any]) -> ChatRequest:
        return readers.chat_request(model, kwargs)

    def result(self, response: Any) -> ChatResult:
        return readers.chat_result(response)

    def is_final_chunk(self, chunk: Any) -> bool:
        return True  # cumulative: every chunk is the response so far

    def already_traced(self, model: Any) -> bool:
        return _model_in_call.get() is model

    @contextmanager
    def scope(self, model: Any) -> Iterator[None]:
        token = _model_in_call.set(model)
        try:
            with native_tracing_off():
                yield
        finally:
            _model_in_call.reset(token)


def install(telemetry: Telemetry, patches: Patches) -> None:
    from agentscope.model import ChatModelBase

    wrap = traced_model_call(telemetry, ChatReaderV1())
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

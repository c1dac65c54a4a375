"""`chat` spans for AgentScope 1.x models.

Every 1.x model class overrides ``__call__`` itself, so each class that
defines it is wrapped, including classes defined after instrumentation
(``otelscope.core.hierarchy``).

A streamed response (``model.stream`` is True) is an async generator of
cumulative chunks: each holds the whole response so far, so the result is
read from the last one.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from otelscope.agentscope_common import messages as messages_shape
from otelscope.agentscope_v1 import formatting, readers
from otelscope.agentscope_v1.native_tracing import native_tracing_off
from otelscope.core.hierarchy import NestedCallGuard, wrap_own_methods
from otelscope.core.model_call import traced_model_call
from otelscope.core.patching import Patches
from otelscope.core.records import ChatRequest, ChatResult
from otelscope.core.telemetry import Telemetry

_model_calls = NestedCallGuard("otelscope_v1_model_in_call")


class ChatReaderV1:
    def request(self, model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> ChatRequest:
        messages = args[0] if args else kwargs.get("messages")
        return readers.chat_request(model, kwargs, formatting.formatting_of(messages))

    def result(self, response: Any) -> ChatResult:
        return readers.chat_result(response)

    def is_final_chunk(self, chunk: Any) -> bool:
        return True  # cumulative: every chunk is the response so far

    def content_in(
        self, model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        # A 1.x model receives its formatter's output: provider-format dicts.
        messages = args[0] if args else kwargs.get("messages")
        tools = args[1] if len(args) > 1 else kwargs.get("tools")
        return messages_shape.chat_input(readers.from_provider_format(messages), tools)

    def content_out(self, response: Any, finish_reason: str | None) -> Mapping[str, Any]:
        # 1.x responses report no finish reason: only the provider's is known.
        return messages_shape.chat_output(getattr(response, "content", None), finish_reason)

    def already_traced(self, model: Any) -> bool:
        return _model_calls.is_running(model)

    def scope(self, model: Any) -> AbstractContextManager[None]:
        return _model_calls.running(model, native_tracing_off())


def install(telemetry: Telemetry, patches: Patches) -> None:
    from agentscope.model import ChatModelBase

    wrap_own_methods(
        ChatModelBase, "__call__", traced_model_call(telemetry, ChatReaderV1()), patches
    )

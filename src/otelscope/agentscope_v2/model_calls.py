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

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from opentelemetry.trace import get_current_span

from otelscope.agentscope_common import messages as messages_shape
from otelscope.agentscope_v2 import readers
from otelscope.agentscope_v2.context_changes import PromptWatch
from otelscope.core.calls import current_call
from otelscope.core.guard import report_internal_error
from otelscope.core.records import ChatRequest, ChatResult


class ChatReaderV2:
    def __init__(self, prompts: PromptWatch | None = None) -> None:
        self._prompts = prompts

    def request(self, model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> ChatRequest:
        prompts = self._prompts
        if prompts is not None:
            call = current_call()
            # The agent's own reasoning (its round current): the system prompt
            # it sends is watched for changes within the call (`context_changes`).
            if (
                call is not None
                and call.round is not None
                and get_current_span() is call.round.span
            ):
                try:
                    prompts.sent(call, args[0] if args else kwargs.get("messages"))
                except Exception:
                    report_internal_error("watching the system prompt")
        return readers.chat_request(model, kwargs)

    def result(self, response: Any) -> ChatResult:
        return readers.chat_result(response)

    def is_final_chunk(self, chunk: Any) -> bool:
        return readers.is_final_chunk(chunk)

    def content_in(
        self, model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        messages = args[0] if args else kwargs.get("messages")
        tools = args[1] if len(args) > 1 else kwargs.get("tools")
        return messages_shape.chat_input(messages, tools)

    def content_out(self, response: Any, finish_reason: str | None) -> Mapping[str, Any]:
        # The provider's reason when its SDK reported one; otherwise
        # AgentScope's own outcome (completed, interrupted) is all there is.
        if finish_reason is None:
            outcome = getattr(response, "finished_reason", None)
            finish_reason = str(outcome) if outcome is not None else None
        return messages_shape.chat_output(getattr(response, "content", None), finish_reason)

    def already_traced(self, model: Any) -> bool:
        return False  # one `__call__` for every model class

    def scope(self, model: Any) -> AbstractContextManager[None]:
        return nullcontext()

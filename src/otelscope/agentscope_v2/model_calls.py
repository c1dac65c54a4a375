"""`chat` spans for AgentScope 2.x: ``ChatModelBase.__call__`` and
``ChatModelBase.generate_structured_output``.

No 2.x model class overrides ``__call__``, so one wrapper covers every model,
inside an agent or called directly. The call includes AgentScope's retries of
``_call_api`` (one span per model call as the caller sees it).

A streamed response is an async generator of delta chunks followed by one
accumulated ``is_last`` chunk that carries usage and the finish reason; the
span reads its result from that chunk. 2.x reports a cancelled model call as
a response whose ``finished_reason`` is ``interrupted``; the span is then
marked cancelled.

**Structured output.** ``generate_structured_output`` calls ``_call_api``
itself (through ``_call_api_with_structured_output``), not ``__call__``:
context compression's summary, ``RAGMiddleware``'s rerank,
``AgenticMemoryMiddleware``'s file selection, ``ModelRouterMiddleware``'s
classifier and the app's chat service use it. (An agent asked for a
structured reply does not: it offers its model a ``GenerateStructuredOutput``
tool through ordinary ``__call__`` calls.) It is a chat too, traced by the
same machinery (``otelscope.core.model_call``) with its own reader, one
``chat {model}`` span per call as its caller sees it: AgentScope's retries
and its ladder of strategies (forced, ``auto``, ``no_think`` and no
``tool_choice``) are all inside it, and the SDK's count of requests
(``otelscope.request.attempts``) says how many it took. No 2.x class
overrides it or ``_call_api_with_structured_output``; a user's class that
does is wrapped too (``otelscope.core.hierarchy``), and while the call runs
the same model's ``__call__`` (an override that calls ``self(...)``) and its
``super()`` call step aside, so the call is one span whatever its path.

What its span records that an ordinary chat's does not, or differently:

- ``gen_ai.output.type=json``, set as it starts: the caller asks for a JSON
  object whatever the model;
- the tool choice is not recorded: it changes from strategy to strategy
  within the call (the conventions have no key for it either);
- its result is read from the ``StructuredResponse``: its id, its usage
  (input, output and cache counts) and whether it was interrupted (its
  ``finished_reason`` is AgentScope's outcome, as for a ``ChatResponse``);
  the provider's SDK adds the response model, its finish reasons and the
  endpoint, as for any chat, from the last request (the strategy that
  answered);
- the summary of a compression before a reasoning step counts toward its
  agent call's token roll-up only: it runs between two rounds, not in the
  round still open (from the agent's compression tool, it runs in the
  tool call's round, and counts there as any chat);
- ``gen_ai.request.stream`` is the model's ``stream``, as sent to the
  provider; AgentScope reads the stream inside the call, so no time to the
  first chunk is known;
- with content capture on: the caller's messages (without the instruction
  AgentScope appends to them), the ``generate_structured_output`` tool with
  the output's JSON schema as the tool definition, and the output as one
  assistant message whose one text part is the structured content as JSON,
  through the same capture mode, length limit and redaction as any chat.
  With capture off, or on a span a sampler dropped, nothing of it is read or
  serialized.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar, Token
from typing import Any

from opentelemetry.trace import get_current_span

from otelscope.agentscope_common import messages as messages_shape
from otelscope.agentscope_v2 import context_changes, readers
from otelscope.agentscope_v2.context_changes import PromptWatch
from otelscope.core import content as content_policy
from otelscope.core import conventions as conv
from otelscope.core.calls import current_call
from otelscope.core.guard import report_internal_error
from otelscope.core.hierarchy import wrap_own_methods
from otelscope.core.model_call import traced_model_call
from otelscope.core.patching import Patches
from otelscope.core.records import ChatRequest, ChatResult
from otelscope.core.telemetry import Telemetry

# The model whose `generate_structured_output` is running in this context:
# its own `__call__` and a `super()` call inside are part of that call.
_structured_call: ContextVar[object | None] = ContextVar(
    "otelscope_v2_structured_output", default=None
)
# The ContextVar's own method: no Python call on every `__call__`.
_in_structured_call = _structured_call.get


def install_structured_output(telemetry: Telemetry, patches: Patches) -> None:
    """Wrap ``generate_structured_output`` on ``ChatModelBase`` and on any
    class that defines its own, now or later."""
    from agentscope.model import ChatModelBase

    wrap = traced_model_call(telemetry, StructuredOutputReaderV2())
    wrap_own_methods(ChatModelBase, "generate_structured_output", wrap, patches)


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
        # One `__call__` for every model class; it is part of the model's
        # structured-output call when one runs it.
        return _in_structured_call() is model

    def scope(self, model: Any) -> AbstractContextManager[None]:
        return nullcontext()


class StructuredOutputReaderV2:
    """``generate_structured_output(messages, structured_model, **kwargs)``
    as a chat (see the module's docstring)."""

    def request(self, model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> ChatRequest:
        return readers.chat_request(model, kwargs)._replace(
            output_type=conv.OUTPUT_TYPE_JSON,
            between_rounds=context_changes.compressing_between_rounds(),
        )

    def result(self, response: Any) -> ChatResult:
        # A `StructuredResponse` has the fields a `ChatResponse` is read by.
        return readers.chat_result(response)

    def is_final_chunk(self, chunk: Any) -> bool:
        return False  # never a stream

    def content_in(
        self, model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        messages = args[0] if args else kwargs.get("messages")
        schema = args[1] if len(args) > 1 else kwargs.get("structured_model")
        tool = readers.structured_output_tool(schema)
        return messages_shape.chat_input(messages, [tool] if tool is not None else None)

    def content_out(self, response: Any, finish_reason: str | None) -> Mapping[str, Any]:
        if finish_reason is None:
            outcome = getattr(response, "finished_reason", None)
            finish_reason = str(outcome) if outcome is not None else None
        structured = getattr(response, "content", None)
        parts = [] if structured is None else [_json_part(structured)]
        message: dict[str, Any] = {"role": "assistant", "parts": parts}
        if finish_reason is not None:
            message["finish_reason"] = finish_reason
        return {conv.OUTPUT_MESSAGES: [message]}

    def already_traced(self, model: Any) -> bool:
        # An override's `super()` call: the same call, traced by the override's wrapper.
        return _in_structured_call() is model

    def scope(self, model: Any) -> AbstractContextManager[None]:
        return _StructuredCall(model)


def _json_part(structured: Any) -> dict[str, Any]:
    """The structured output as the conventions' text part: its JSON."""
    return {"type": "text", "content": content_policy.to_json(structured)}


class _StructuredCall:
    """``model``'s structured-output call is running, for a ``with`` block."""

    __slots__ = ("_model", "_token")

    def __init__(self, model: Any) -> None:
        self._model = model

    def __enter__(self) -> None:
        self._token: Token[object | None] = _structured_call.set(self._model)

    def __exit__(self, *exc_info: object) -> None:
        _structured_call.reset(self._token)

"""What Anthropic's Messages API served, read in the ``anthropic`` SDK:
``AnthropicChatModel`` on both lines, and 2.x ``MiniMaxChatModel`` (built on
it).

Anthropic reports cached input apart from ``input_tokens``; the conventions
count it in: ``gen_ai.usage.input_tokens`` is the sum of the three.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.patching import Patches
from otelscope.core.served import ServedResult
from otelscope.core.values import integer, text
from otelscope.provider_sdks import request_attributes as attrs
from otelscope.provider_sdks.stainless import Endpoint
from otelscope.provider_sdks.stainless import install as install_stainless

_FINISH_REASONS = {
    "end_turn": conv.FINISH_STOP,
    "stop_sequence": conv.FINISH_STOP,
    "max_tokens": conv.FINISH_LENGTH,
    "model_context_window_exceeded": conv.FINISH_LENGTH,
    "tool_use": conv.FINISH_TOOL_CALL,
    "refusal": conv.FINISH_CONTENT_FILTER,
}


def install(patches: Patches) -> None:
    from anthropic import _base_client

    install_stainless(_base_client, endpoint_for, patches)


def endpoint_for(path: str) -> Endpoint | None:
    return _MESSAGES if path.endswith("/messages") else None


def messages_request(body: Mapping[str, Any]) -> dict[str, AttributeValue]:
    return attrs.sampling(body, max_tokens=body.get("max_tokens"), stop=body.get("stop_sequences"))


def message_response(message: Any) -> ServedResult:
    return ServedResult(
        response_id=text(getattr(message, "id", None)),
        response_model=text(getattr(message, "model", None)),
        finish_reasons=_finish(getattr(message, "stop_reason", None)),
        **usage_of(getattr(message, "usage", None)),
    )


def usage_of(usage: Any, output: Any = None) -> dict[str, int | None]:
    """The conventions' usage from Anthropic's ``usage`` (and, for a stream,
    the ``output`` usage of its last delta): input counts cached tokens."""
    uncached = integer(getattr(usage, "input_tokens", None))
    read = integer(getattr(usage, "cache_read_input_tokens", None))
    created = integer(getattr(usage, "cache_creation_input_tokens", None))
    output = usage if output is None else output
    details = getattr(output, "output_tokens_details", None)
    return {
        "input_tokens": None if uncached is None else uncached + (read or 0) + (created or 0),
        "output_tokens": integer(getattr(output, "output_tokens", None)),
        "cache_read_input_tokens": read,
        "cache_creation_input_tokens": created,
        "reasoning_output_tokens": integer(getattr(details, "thinking_tokens", None)),
    }


def _finish(reason: Any) -> tuple[str, ...] | None:
    found = text(reason)
    return None if found is None else (_FINISH_REASONS.get(found, found),)


class MessageEvents:
    """A streamed message: ``message_start`` carries the id, the model and the
    input usage; ``message_delta`` the stop reason and the final output usage
    (and, from some compatible providers, the input counts too)."""

    __slots__ = ("_input", "_message", "_output", "_stop_reason")

    def __init__(self) -> None:
        self._message: Any = None
        self._input: Any = None
        self._output: Any = None
        self._stop_reason: Any = None

    def chunk(self, event: Any) -> None:
        kind = getattr(event, "type", None)
        if kind == "message_start":
            self._message = getattr(event, "message", None)
            self._input = self._output = getattr(self._message, "usage", None)
        elif kind == "message_delta":
            self._stop_reason = getattr(getattr(event, "delta", None), "stop_reason", None)
            self._output = getattr(event, "usage", None)
            if integer(getattr(self._output, "input_tokens", None)) is not None:
                self._input = self._output

    def result(self) -> ServedResult:
        return ServedResult(
            response_id=text(getattr(self._message, "id", None)),
            response_model=text(getattr(self._message, "model", None)),
            finish_reasons=_finish(self._stop_reason),
            **usage_of(self._input, self._output),
        )


_MESSAGES = Endpoint(messages_request, message_response, MessageEvents)

"""A fake Anthropic server: the Messages API (JSON, and SSE streams of named
events: message_start, content blocks with their deltas, message_delta with
the stop reason and the output usage, message_stop).

``finish_reason`` is Anthropic's ``stop_reason`` (``end_turn``,
``tool_use``, ``max_tokens``...). The usage reports the cache counts as
Anthropic does, 0 when the turn gives none; ``reasoning_tokens`` goes to
``output_tokens_details.thinking_tokens``.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tests.providers.fake_server import FakeServer, Turn, send_sse

MESSAGES_PATH = "/v1/messages"

# Anthropic's error type for each status it documents.
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


class FakeAnthropic(FakeServer):
    """``base_url`` is what an Anthropic client is given: the origin, since
    the SDK adds ``/v1/messages`` itself (MiniMax's ``.../anthropic`` base
    works the same way)."""

    def __init__(self) -> None:
        super().__init__([("POST", MESSAGES_PATH, self._messages)])

    @property
    def base_url(self) -> str:
        return self.origin

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        turn = self.next_turn()
        if turn.error is not None:
            return error_response(turn)
        if not body.get("stream"):
            return web.json_response(message(turn), headers=_request_id(turn))
        return await send_sse(request, [(event["type"], event) for event in events(turn)])


def _request_id(turn: Turn) -> dict[str, str]:
    return {"request-id": f"req_{turn.response_id}"}


def error_response(turn: Turn) -> web.Response:
    assert turn.error is not None
    status = turn.error.status
    error_type = ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    body = {
        "type": "error",
        "error": {"type": error_type, "message": turn.error.message},
        "request_id": f"req_{turn.response_id}",
    }
    return web.json_response(body, status=status, headers=_request_id(turn))


def usage_of(turn: Turn) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "input_tokens": turn.usage.input_tokens,
        "output_tokens": turn.usage.output_tokens,
        "cache_read_input_tokens": turn.usage.cache_read_tokens or 0,
        "cache_creation_input_tokens": turn.usage.cache_creation_tokens or 0,
    }
    if turn.usage.reasoning_tokens is not None:
        usage["output_tokens_details"] = {"thinking_tokens": turn.usage.reasoning_tokens}
    return usage


def _input_of(arguments: str) -> dict[str, Any]:
    parsed = json.loads(arguments) if arguments.strip() else {}
    assert isinstance(parsed, dict), "a tool call's arguments must be a JSON object"
    return parsed


def content_blocks(turn: Turn) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if turn.text:
        blocks.append({"type": "text", "text": turn.text})
    for call in turn.tool_calls:
        blocks.append(
            {
                "type": "tool_use",
                "id": call.call_id,
                "name": call.name,
                "input": _input_of(call.arguments),
            }
        )
    return blocks


def message(turn: Turn) -> dict[str, Any]:
    return {
        "id": turn.response_id,
        "type": "message",
        "role": "assistant",
        "model": turn.model,
        "content": content_blocks(turn),
        "stop_reason": turn.finish_reason,
        "stop_sequence": None,
        "usage": usage_of(turn),
    }


def _halves(text: str) -> list[str]:
    half = len(text) // 2
    return [part for part in (text[:half], text[half:]) if part]


def events(turn: Turn) -> list[dict[str, Any]]:
    """The events of a streamed message: its start (the id, the model, the
    input usage), a ping, each content block (text in two deltas, a tool
    call's input as JSON text in two ``input_json_delta``s), then the stop
    reason with the final output usage, and the stop."""
    start_usage = {**usage_of(turn), "output_tokens": min(1, turn.usage.output_tokens)}
    start_usage.pop("output_tokens_details", None)
    started = {**message(turn), "content": [], "stop_reason": None, "usage": start_usage}
    out: list[dict[str, Any]] = [
        {"type": "message_start", "message": started},
        {"type": "ping"},
    ]

    def block(index: int, start: dict[str, Any], deltas: list[dict[str, Any]]) -> None:
        out.append({"type": "content_block_start", "index": index, "content_block": start})
        out.extend({"type": "content_block_delta", "index": index, "delta": d} for d in deltas)
        out.append({"type": "content_block_stop", "index": index})

    index = 0
    if turn.text:
        deltas = [{"type": "text_delta", "text": part} for part in _halves(turn.text)]
        block(index, {"type": "text", "text": ""}, deltas)
        index += 1
    for call in turn.tool_calls:
        _input_of(call.arguments)  # fail early on arguments that are no JSON object
        start = {"type": "tool_use", "id": call.call_id, "name": call.name, "input": {}}
        parts = _halves(call.arguments)
        block(index, start, [{"type": "input_json_delta", "partial_json": p} for p in parts])
        index += 1
    final_usage: dict[str, Any] = {"output_tokens": turn.usage.output_tokens}
    if turn.usage.reasoning_tokens is not None:
        final_usage["output_tokens_details"] = {"thinking_tokens": turn.usage.reasoning_tokens}
    out.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": turn.finish_reason, "stop_sequence": None},
            "usage": final_usage,
        }
    )
    out.append({"type": "message_stop"})
    return out


__all__ = ["ERROR_TYPES", "MESSAGES_PATH", "FakeAnthropic"]

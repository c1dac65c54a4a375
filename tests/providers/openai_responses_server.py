"""A fake OpenAI Responses API server: ``POST /v1/responses``, as JSON and as
an SSE stream of typed events (response.created, the output items with
their text and function-call argument deltas, then response.completed, or
response.incomplete, carrying the whole response with its usage).

``finish_reason`` decides the response's status: ``stop`` (the default) or
``completed`` make it ``completed``; any other value (``max_output_tokens``,
``content_filter``) makes it ``incomplete`` with that value as
``incomplete_details.reason``. The usage always has the token details the
API reports (0 when the turn gives none).
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from tests.providers.fake_server import FakeServer, Turn, send_sse
from tests.providers.openai_server import error_response

RESPONSES_PATH = "/v1/responses"
COMPLETED_REASONS = ("stop", "completed")


class FakeOpenAIResponses(FakeServer):
    """``base_url`` is what an OpenAI client is given (``.../v1``)."""

    def __init__(self) -> None:
        super().__init__([("POST", RESPONSES_PATH, self._responses)])

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    async def _responses(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        turn = self.next_turn()
        if turn.error is not None:
            return error_response(turn)
        if not body.get("stream"):
            return web.json_response(response(turn, body))
        return await send_sse(request, [(event["type"], event) for event in events(turn, body)])


def usage_of(turn: Turn) -> dict[str, Any]:
    return {
        "input_tokens": turn.usage.input_tokens,
        "input_tokens_details": {
            "cached_tokens": turn.usage.cache_read_tokens or 0,
            "cache_write_tokens": turn.usage.cache_creation_tokens or 0,
        },
        "output_tokens": turn.usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": turn.usage.reasoning_tokens or 0},
        "total_tokens": turn.usage.input_tokens + turn.usage.output_tokens,
    }


def _status(turn: Turn) -> str:
    return "completed" if turn.finish_reason in COMPLETED_REASONS else "incomplete"


def _message_id(turn: Turn) -> str:
    return f"msg_{turn.response_id}"


def _call_item_id(call_id: str) -> str:
    return f"fc_{call_id}"


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def output_items(turn: Turn) -> list[dict[str, Any]]:
    """The finished output items: the message with the text, then a
    ``function_call`` item per tool call."""
    items: list[dict[str, Any]] = []
    if turn.text:
        items.append(
            {
                "id": _message_id(turn),
                "type": "message",
                "role": "assistant",
                "status": _status(turn),
                "content": [_text_part(turn.text)],
            }
        )
    for call in turn.tool_calls:
        items.append(
            {
                "id": _call_item_id(call.call_id),
                "type": "function_call",
                "status": "completed",
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
            }
        )
    return items


def response(turn: Turn, body: dict[str, Any], final: bool = True) -> dict[str, Any]:
    """The response object; when not ``final``, as response.created shows it
    (in progress, no output, no usage)."""
    status = _status(turn) if final else "in_progress"
    incomplete = {"reason": turn.finish_reason} if status == "incomplete" else None
    return {
        "id": turn.response_id,
        "object": "response",
        "created_at": int(time.time()),
        "status": status,
        "error": None,
        "incomplete_details": incomplete,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": turn.model,
        "output": output_items(turn) if final else [],
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None},
        "temperature": body.get("temperature", 1.0),
        "text": {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools", []),
        "top_p": body.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": usage_of(turn) if final else None,
        "metadata": {},
    }


def _halves(text: str) -> list[str]:
    half = len(text) // 2
    return [part for part in (text[:half], text[half:]) if part]


def events(turn: Turn, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of a streamed response, numbered by ``sequence_number``:
    created and in_progress; the message item with its text in two
    deltas; each function_call item with its arguments in two deltas; then
    the whole response in response.completed (response.incomplete when the
    status is ``incomplete``)."""
    started = response(turn, body, final=False)
    out: list[dict[str, Any]] = [
        {"type": "response.created", "response": started},
        {"type": "response.in_progress", "response": started},
    ]
    for index, item in enumerate(output_items(turn)):
        where = {"output_index": index}
        if item["type"] == "message":
            text = item["content"][0]["text"]
            part = {"item_id": item["id"], "content_index": 0, **where}
            out += [
                {
                    "type": "response.output_item.added",
                    "item": {**item, "status": "in_progress", "content": []},
                    **where,
                },
                {"type": "response.content_part.added", "part": _text_part(""), **part},
            ]
            out += [
                {"type": "response.output_text.delta", "delta": d, "logprobs": [], **part}
                for d in _halves(text)
            ]
            out += [
                {"type": "response.output_text.done", "text": text, "logprobs": [], **part},
                {"type": "response.content_part.done", "part": _text_part(text), **part},
            ]
        else:
            arguments = item["arguments"]
            started_item = {**item, "status": "in_progress", "arguments": ""}
            out.append({"type": "response.output_item.added", "item": started_item, **where})
            out += [
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": item["id"],
                    "delta": d,
                    **where,
                }
                for d in _halves(arguments)
            ]
            out.append(
                {
                    "type": "response.function_call_arguments.done",
                    "item_id": item["id"],
                    "name": item["name"],
                    "arguments": arguments,
                    **where,
                }
            )
        out.append({"type": "response.output_item.done", "item": item, **where})
    final = response(turn, body)
    out.append({"type": f"response.{final['status']}", "response": final})
    return [{**event, "sequence_number": number} for number, event in enumerate(out)]


__all__ = ["COMPLETED_REASONS", "RESPONSES_PATH", "FakeOpenAIResponses"]

"""A fake Ollama server: ``/api/chat`` (one JSON object, or when ``stream``
is true an NDJSON stream of partial messages ending in an object with
``done: true``, ``done_reason`` and the counts) and ``/api/embed``.

Ollama reports no response id and no cached or reasoning token counts:
``turn.response_id`` and those usage fields are not written. The served
model name is the ``model`` of every object, ``turn.finish_reason`` its
``done_reason`` (``stop``, ``length``...).
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from tests.providers.fake_server import FakeServer, Turn, send_ndjson

CHAT_PATH = "/api/chat"
EMBED_PATH = "/api/embed"
# Nanoseconds, as Ollama reports its durations; any plausible value will do.
DURATION_NS = 1_000_000


class FakeOllama(FakeServer):
    """``base_url`` is what an Ollama client is given as ``host``."""

    def __init__(self) -> None:
        super().__init__([("POST", CHAT_PATH, self._chat), ("POST", EMBED_PATH, self._embed)])

    @property
    def base_url(self) -> str:
        return self.origin

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        turn = self.next_turn()
        if turn.error is not None:
            return error_response(turn)
        # Ollama streams unless told not to.
        if body.get("stream", True) is False:
            return web.json_response(completion(turn))
        return await send_ndjson(request, chunks(turn))

    async def _embed(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        turn = self.next_turn()
        if turn.error is not None:
            return error_response(turn)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        dimensions = body.get("dimensions") or 4
        return web.json_response(
            {
                "model": turn.model,
                "embeddings": [[0.5] * dimensions for _ in inputs],
                "total_duration": DURATION_NS,
                "load_duration": DURATION_NS,
                "prompt_eval_count": turn.usage.input_tokens,
            }
        )


def error_response(turn: Turn) -> web.Response:
    assert turn.error is not None
    return web.json_response({"error": turn.error.message}, status=turn.error.status)


def _created_at() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())


def _tool_calls(turn: Turn) -> list[dict[str, Any]]:
    """Ollama's shape: arguments as a JSON object; recent servers add an
    ``id`` and the ``index``, which the ollama client drops."""
    return [
        {
            "id": call.call_id,
            "function": {
                "index": index,
                "name": call.name,
                "arguments": json.loads(call.arguments),
            },
        }
        for index, call in enumerate(turn.tool_calls)
    ]


def _message(content: str, tool_calls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return message


def _final(turn: Turn, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": turn.model,
        "created_at": _created_at(),
        "message": message,
        "done": True,
        "done_reason": turn.finish_reason,
        "total_duration": DURATION_NS,
        "load_duration": DURATION_NS,
        "prompt_eval_count": turn.usage.input_tokens,
        "prompt_eval_duration": DURATION_NS,
        "eval_count": turn.usage.output_tokens,
        "eval_duration": DURATION_NS,
    }


def completion(turn: Turn) -> dict[str, Any]:
    return _final(turn, _message(turn.text or "", _tool_calls(turn)))


def chunks(turn: Turn) -> list[dict[str, Any]]:
    """The lines of a streamed chat: the text in two parts, the tool calls
    in one partial message, then the final object with an empty message."""
    messages: list[dict[str, Any]] = []
    if turn.text:
        half = len(turn.text) // 2
        messages += [_message(turn.text[:half]), _message(turn.text[half:])]
    if turn.tool_calls:
        messages.append(_message("", _tool_calls(turn)))
    partial = [
        {"model": turn.model, "created_at": _created_at(), "message": m, "done": False}
        for m in messages
    ]
    return [*partial, _final(turn, _message(""))]


__all__ = ["CHAT_PATH", "EMBED_PATH", "FakeOllama"]

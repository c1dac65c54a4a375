"""A fake OpenAI-compatible server: chat completions (JSON, and SSE streams
with usage in a last chunk when asked) and embeddings."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from tests.providers.fake_server import FakeServer, Turn, send_sse

CHAT_PATH = "/v1/chat/completions"
EMBEDDINGS_PATH = "/v1/embeddings"


class FakeOpenAI(FakeServer):
    """``base_url`` is what an OpenAI client is given (``.../v1``)."""

    def __init__(self) -> None:
        super().__init__(
            [("POST", CHAT_PATH, self._chat), ("POST", EMBEDDINGS_PATH, self._embeddings)]
        )

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        turn = self.next_turn()
        if turn.error is not None:
            return error_response(turn)
        if not body.get("stream"):
            return web.json_response(completion(turn))
        include_usage = (body.get("stream_options") or {}).get("include_usage") is True
        return await send_sse(request, [(None, c) for c in chunks(turn, include_usage)], "[DONE]")

    async def _embeddings(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        turn = self.next_turn()
        if turn.error is not None:
            return error_response(turn)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        dimensions = body.get("dimensions") or 4
        return web.json_response(
            {
                "object": "list",
                "model": turn.model,
                "data": [
                    {"object": "embedding", "index": i, "embedding": [0.5] * dimensions}
                    for i in range(len(inputs))
                ],
                "usage": {
                    "prompt_tokens": turn.usage.input_tokens,
                    "total_tokens": turn.usage.input_tokens,
                },
            }
        )


def error_response(turn: Turn) -> web.Response:
    assert turn.error is not None
    body = {"error": {"message": turn.error.message, "type": "fake_error", "code": None}}
    return web.json_response(body, status=turn.error.status)


def usage_of(turn: Turn) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "prompt_tokens": turn.usage.input_tokens,
        "completion_tokens": turn.usage.output_tokens,
        "total_tokens": turn.usage.input_tokens + turn.usage.output_tokens,
    }
    if turn.usage.cache_read_tokens is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": turn.usage.cache_read_tokens}
    if turn.usage.reasoning_tokens is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": turn.usage.reasoning_tokens}
    return usage


def _tool_calls(turn: Turn) -> list[dict[str, Any]]:
    return [
        {
            "id": call.call_id,
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments},
        }
        for call in turn.tool_calls
    ]


def completion(turn: Turn) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": turn.text}
    if turn.tool_calls:
        message["tool_calls"] = _tool_calls(turn)
    return {
        "id": turn.response_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": turn.model,
        "system_fingerprint": "fp_fake",
        "choices": [
            {"index": 0, "message": message, "finish_reason": turn.finish_reason, "logprobs": None}
        ],
        "usage": usage_of(turn),
    }


def chunks(turn: Turn, include_usage: bool) -> list[dict[str, Any]]:
    """The chunks of a streamed completion: the role, the text in two parts,
    each tool call, the finish reason, and the usage when asked for."""
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    if turn.text:
        half = len(turn.text) // 2
        deltas += [{"content": turn.text[:half]}, {"content": turn.text[half:]}]
    for index, call in enumerate(turn.tool_calls):
        deltas.append(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": call.call_id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments},
                    }
                ]
            }
        )
    created = int(time.time())

    def chunk(choices: list[dict[str, Any]], usage: Any = None) -> dict[str, Any]:
        return {
            "id": turn.response_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": turn.model,
            "choices": choices,
            "usage": usage,
        }

    out = [chunk([{"index": 0, "delta": delta, "finish_reason": None}]) for delta in deltas]
    out.append(chunk([{"index": 0, "delta": {}, "finish_reason": turn.finish_reason}]))
    if include_usage:
        out.append(chunk([], usage_of(turn)))
    return out

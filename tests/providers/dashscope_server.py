"""A fake DashScope server, the native API as the ``dashscope`` SDK calls
it: text generation and multimodal generation (JSON, and SSE streams when
the request has ``X-DashScope-SSE: enable``, incremental or cumulative as
``parameters.incremental_output`` says) and text embedding.

The native API reports no model name: ``turn.model`` is not written. The
response id is the ``request_id``; ``turn.finish_reason`` the choice's
``finish_reason`` (``stop``, ``tool_calls``, ``length``); cached tokens go
to ``usage.prompt_tokens_details.cached_tokens`` and reasoning tokens (a
part of ``output_tokens``) to ``usage.output_tokens_details``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.providers.fake_server import FakeServer, Turn, send_sse

TEXT_GENERATION_PATH = "/api/v1/services/aigc/text-generation/generation"
MULTIMODAL_GENERATION_PATH = "/api/v1/services/aigc/multimodal-generation/generation"
TEXT_EMBEDDING_PATH = "/api/v1/services/embeddings/text-embedding/text-embedding"
MULTIMODAL_EMBEDDING_PATH = "/api/v1/services/embeddings/multimodal-embedding/multimodal-embedding"

# The ``code`` of DashScope's error bodies for the usual statuses.
ERROR_CODES = {
    400: "InvalidParameter",
    401: "InvalidApiKey",
    403: "AccessDenied",
    404: "ModelNotFound",
    429: "Throttling.RateLimit",
    500: "InternalError",
    503: "ServiceUnavailable",
}


class FakeDashScope(FakeServer):
    """``base_url`` is the SDK's ``dashscope.base_http_api_url`` (read on
    every call, so it can be set at any time; AgentScope 1.x's
    ``DashScopeChatModel(base_http_api_url=...)`` sets it, process-wide).
    ``DASHSCOPE_HTTP_BASE_URL`` gives its value when ``dashscope`` is first
    imported."""

    def __init__(self) -> None:
        super().__init__(
            [
                ("POST", TEXT_GENERATION_PATH, self._text_generation),
                ("POST", MULTIMODAL_GENERATION_PATH, self._multimodal_generation),
                ("POST", TEXT_EMBEDDING_PATH, self._text_embedding),
                ("POST", MULTIMODAL_EMBEDDING_PATH, self._multimodal_embedding),
            ]
        )

    @property
    def base_url(self) -> str:
        return f"{self.origin}/api/v1"

    async def _text_generation(self, request: web.Request) -> web.StreamResponse:
        return await self._generation(request, multimodal=False)

    async def _multimodal_generation(self, request: web.Request) -> web.StreamResponse:
        return await self._generation(request, multimodal=True)

    async def _generation(self, request: web.Request, multimodal: bool) -> web.StreamResponse:
        body = await request.json()
        turn = self.next_turn()
        if turn.error is not None:
            return error_response(turn)
        if request.headers.get("X-DashScope-SSE", "").lower() != "enable":
            return web.json_response(generation(turn, multimodal))
        incremental = (body.get("parameters") or {}).get("incremental_output") is True
        events = [("result", c) for c in chunks(turn, multimodal, incremental)]
        return await send_sse(request, events)

    async def _text_embedding(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        turn = self.next_turn()
        if turn.error is not None:
            return error_response(turn)
        texts = body["input"]["texts"]
        dimension = (body.get("parameters") or {}).get("dimension") or 4
        vectors = [{"text_index": i, "embedding": [0.5] * dimension} for i in range(len(texts))]
        return web.json_response(
            {
                "output": {"embeddings": vectors},
                "usage": {"total_tokens": turn.usage.input_tokens},
                "request_id": turn.response_id,
            }
        )

    async def _multimodal_embedding(self, request: web.Request) -> web.StreamResponse:
        """Text contents only: their tokens are ``input_tokens``; an image's
        would be ``image_tokens`` (``turn.usage.cache_read_tokens`` here)."""
        body = await request.json()
        turn = self.next_turn()
        if turn.error is not None:
            return error_response(turn)
        contents = body["input"]["contents"]
        dimension = (body.get("parameters") or {}).get("dimension") or 4
        vectors = [
            {"index": i, "embedding": [0.5] * dimension, "type": "text"}
            for i in range(len(contents))
        ]
        usage = {"input_tokens": turn.usage.input_tokens}
        if turn.usage.cache_read_tokens is not None:
            usage["image_tokens"] = turn.usage.cache_read_tokens
        return web.json_response(
            {"output": {"embeddings": vectors}, "usage": usage, "request_id": turn.response_id}
        )


def error_response(turn: Turn) -> web.Response:
    assert turn.error is not None
    body = {
        "request_id": turn.response_id,
        "code": ERROR_CODES.get(turn.error.status, "Unknown"),
        "message": turn.error.message,
    }
    return web.json_response(body, status=turn.error.status)


def usage_of(turn: Turn) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "input_tokens": turn.usage.input_tokens,
        "output_tokens": turn.usage.output_tokens,
        "total_tokens": turn.usage.input_tokens + turn.usage.output_tokens,
    }
    if turn.usage.cache_read_tokens is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": turn.usage.cache_read_tokens}
    if turn.usage.reasoning_tokens is not None:
        usage["output_tokens_details"] = {"reasoning_tokens": turn.usage.reasoning_tokens}
    return usage


def _tool_calls(turn: Turn) -> list[dict[str, Any]]:
    return [
        {
            "index": index,
            "id": call.call_id,
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments},
        }
        for index, call in enumerate(turn.tool_calls)
    ]


def _message(text: str, multimodal: bool, tool_calls: list[dict[str, Any]]) -> dict[str, Any]:
    """An assistant message; the multimodal API writes its content as a
    list of ``{"text": ...}`` parts (empty when there is no text)."""
    content: Any = ([{"text": text}] if text else []) if multimodal else text
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return message


def _response(turn: Turn, message: dict[str, Any], finish_reason: str) -> dict[str, Any]:
    return {
        "output": {"choices": [{"finish_reason": finish_reason, "message": message}]},
        "usage": usage_of(turn),
        "request_id": turn.response_id,
    }


def generation(turn: Turn, multimodal: bool) -> dict[str, Any]:
    message = _message(turn.text or "", multimodal, _tool_calls(turn))
    return _response(turn, message, turn.finish_reason)


def chunks(turn: Turn, multimodal: bool, incremental: bool) -> list[dict[str, Any]]:
    """The events of a streamed generation: the text in two parts, each
    tool call, then an empty message with the finish reason. Incremental
    events carry what is new; cumulative ones all so far (the tool calls
    included). Until the last, ``finish_reason`` is the string ``"null"``,
    as DashScope writes it; every event carries the usage."""
    texts: list[str] = []
    if turn.text:
        half = len(turn.text) // 2
        texts = [turn.text[:half], turn.text[half:]]
    calls = _tool_calls(turn)
    steps: list[tuple[str, list[dict[str, Any]]]] = [(text, []) for text in texts]
    steps += [("", [call]) for call in calls] + [("", [])]
    out: list[dict[str, Any]] = []
    text_so_far = ""
    calls_so_far: list[dict[str, Any]] = []
    for number, (text, new_calls) in enumerate(steps, start=1):
        text_so_far += text
        calls_so_far += new_calls
        if incremental:
            message = _message(text, multimodal, new_calls)
        else:
            message = _message(text_so_far, multimodal, calls_so_far)
        finish_reason = turn.finish_reason if number == len(steps) else "null"
        out.append(_response(turn, message, finish_reason))
    return out


__all__ = [
    "MULTIMODAL_EMBEDDING_PATH",
    "MULTIMODAL_GENERATION_PATH",
    "TEXT_EMBEDDING_PATH",
    "TEXT_GENERATION_PATH",
    "FakeDashScope",
]

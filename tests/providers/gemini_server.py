"""A fake Gemini API server, the Developer API as google-genai calls it:
``models/{model}:generateContent`` (JSON), ``:streamGenerateContent?alt=sse``
(SSE) and ``:batchEmbedContents`` (what ``embed_content`` calls on this API),
under any API version (google-genai 3.x asks for ``v1``, 1.x and 2.x for
``v1beta``).

Usage is written as Gemini counts it: ``candidatesTokenCount`` leaves the
thinking out, so it is ``output_tokens - reasoning_tokens`` and the
``thoughtsTokenCount`` is the rest (output tokens include reasoning, as in
OpenAI's usage); the cached tokens are part of ``promptTokenCount``.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tests.providers.fake_server import FakeServer, RecordedRequest, Turn, send_sse

MODELS_PATH = "/{version}/models/{target}"
GENERATE = "generateContent"
STREAM_GENERATE = "streamGenerateContent"
BATCH_EMBED = "batchEmbedContents"

# google.rpc.Code names, which Google's error bodies carry as ``status``.
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class FakeGemini(FakeServer):
    """``base_url`` is what a google-genai client is given: as
    ``genai.Client(http_options={"base_url": ...})``, or in the
    ``GOOGLE_GEMINI_BASE_URL`` environment variable, read whenever a
    ``genai.Client`` is made (for classes that take no client options)."""

    def __init__(self) -> None:
        super().__init__([("POST", MODELS_PATH, self._models)])

    @property
    def base_url(self) -> str:
        return self.origin

    def requests_for(self, method: str) -> list[RecordedRequest]:
        """The recorded requests to ``models/*:{method}``, any model."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith(f":{method}")]

    async def _models(self, request: web.Request) -> web.StreamResponse:
        _, _, method = request.match_info["target"].partition(":")
        if method not in (GENERATE, STREAM_GENERATE, BATCH_EMBED):
            return _error(404, f"method {method!r} is not served by the fake")
        body = await request.json()
        turn = self.next_turn()
        if turn.error is not None:
            return error_response(turn)
        if method == GENERATE:
            return web.json_response(generation(turn))
        if method == STREAM_GENERATE:
            return await send_sse(request, [(None, c) for c in chunks(turn)])
        return web.json_response(embeddings(turn, body))


def _error(status: int, message: str) -> web.Response:
    body = {
        "error": {
            "code": status,
            "message": message,
            "status": STATUS_NAMES.get(status, "UNKNOWN"),
        }
    }
    return web.json_response(body, status=status)


def error_response(turn: Turn) -> web.Response:
    assert turn.error is not None
    return _error(turn.error.status, turn.error.message)


def usage_of(turn: Turn) -> dict[str, Any]:
    usage = turn.usage
    thoughts = usage.reasoning_tokens or 0
    out: dict[str, Any] = {
        "promptTokenCount": usage.input_tokens,
        "candidatesTokenCount": usage.output_tokens - thoughts,
        "totalTokenCount": usage.input_tokens + usage.output_tokens,
    }
    if usage.cache_read_tokens is not None:
        out["cachedContentTokenCount"] = usage.cache_read_tokens
    if usage.reasoning_tokens is not None:
        out["thoughtsTokenCount"] = usage.reasoning_tokens
    return out


def _function_calls(turn: Turn) -> list[dict[str, Any]]:
    return [
        {"functionCall": {"id": c.call_id, "name": c.name, "args": json.loads(c.arguments)}}
        for c in turn.tool_calls
    ]


def response_with(
    turn: Turn, parts: list[dict[str, Any]], last: bool, usage: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A ``GenerateContentResponse`` of ``parts``; the last one says why the
    model stopped and what it used (``usage``, or the turn's as text)."""
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    response: dict[str, Any] = {
        "candidates": [candidate],
        "modelVersion": turn.model,
        "responseId": turn.response_id,
    }
    if last:
        candidate["finishReason"] = turn.finish_reason
        response["usageMetadata"] = usage if usage is not None else usage_of(turn)
    return response


def generation(turn: Turn) -> dict[str, Any]:
    parts = [{"text": turn.text}] if turn.text else []
    return response_with(turn, parts + _function_calls(turn), last=True)


def chunks(turn: Turn) -> list[dict[str, Any]]:
    """The responses of a streamed generation: the text in two parts, each
    function call, then one with an empty text part, the finish reason
    and the usage (only the last carries usage, which readers of either
    AgentScope line take from the latest chunk reporting one)."""
    parts: list[dict[str, Any]] = []
    if turn.text:
        half = len(turn.text) // 2
        parts += [{"text": turn.text[:half]}, {"text": turn.text[half:]}]
    parts += _function_calls(turn)
    out = [response_with(turn, [part], last=False) for part in parts]
    out.append(response_with(turn, [{"text": ""}], last=True))
    return out


def embeddings(turn: Turn, body: dict[str, Any]) -> dict[str, Any]:
    """One vector per request, as long as its ``outputDimensionality``."""
    vectors = [
        {"values": [0.5] * (item.get("outputDimensionality") or 4)}
        for item in body.get("requests", [])
    ]
    usage = {"promptTokenCount": turn.usage.input_tokens}
    return {"embeddings": vectors, "usageMetadata": usage}


__all__ = ["BATCH_EMBED", "GENERATE", "MODELS_PATH", "STREAM_GENERATE", "FakeGemini"]

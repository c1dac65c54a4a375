"""A fake Gemini API server for speech generation, as google-genai calls it
for a model asked for ``responseModalities: ["AUDIO"]``:
``models/{model}:generateContent`` answers the whole audio as one inline
part (``audio/L16;codec=pcm;rate=24000``, base64), and
``:streamGenerateContent?alt=sse`` one piece of it per chunk, the last
with the finish reason and the usage (the text's tokens in, the audio's
out). The model version and response id are the turn's.
"""

from __future__ import annotations

import base64
from typing import Any

from aiohttp import web

from tests.providers.fake_server import FakeServer, RecordedRequest, Turn, send_sse
from tests.providers.gemini_server import (
    GENERATE,
    MODELS_PATH,
    STREAM_GENERATE,
    error_response,
    response_with,
)

# A quarter of a second of 24 kHz, 16-bit, mono PCM, in three pieces.
SAMPLE_RATE = 24000
MIME_TYPE = f"audio/L16;codec=pcm;rate={SAMPLE_RATE}"
PCM = bytes(range(255, -1, -1)) * 46 + bytes(range(224))
PIECES = (PCM[:4000], PCM[4000:8000], PCM[8000:])
assert len(PCM) == 12000


class FakeGeminiAudio(FakeServer):
    """``base_url`` is what a google-genai client is given
    (``http_options={"base_url": ...}``)."""

    def __init__(self) -> None:
        super().__init__([("POST", MODELS_PATH, self._models)])

    def requests_for(self, method: str) -> list[RecordedRequest]:
        """The recorded requests to ``models/*:{method}``, any model."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith(f":{method}")]

    async def _models(self, request: web.Request) -> web.StreamResponse:
        _, _, method = request.match_info["target"].partition(":")
        await request.json()
        turn = self.next_turn()
        if turn.error is not None:
            return error_response(turn)
        if method == GENERATE:
            return web.json_response(_response(turn, PCM, last=True))
        if method == STREAM_GENERATE:
            last = len(PIECES) - 1
            chunks = [_response(turn, piece, i == last) for i, piece in enumerate(PIECES)]
            return await send_sse(request, [(None, chunk) for chunk in chunks])
        return web.json_response({"error": {"code": 404, "status": "NOT_FOUND"}}, status=404)


def usage_of(turn: Turn) -> dict[str, Any]:
    usage = turn.usage
    return {
        "promptTokenCount": usage.input_tokens,
        "candidatesTokenCount": usage.output_tokens,
        "totalTokenCount": usage.input_tokens + usage.output_tokens,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": usage.input_tokens}],
        "candidatesTokensDetails": [{"modality": "AUDIO", "tokenCount": usage.output_tokens}],
    }


def _response(turn: Turn, audio: bytes, last: bool) -> dict[str, Any]:
    data = base64.b64encode(audio).decode()
    part = {"inlineData": {"mimeType": MIME_TYPE, "data": data}}
    return response_with(turn, [part], last, usage=usage_of(turn))


__all__ = ["GENERATE", "MIME_TYPE", "PCM", "PIECES", "STREAM_GENERATE", "FakeGeminiAudio"]

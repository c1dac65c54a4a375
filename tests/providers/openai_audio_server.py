"""A fake OpenAI audio server: speech (the audio, in a few chunks) and
transcriptions (JSON with the transcript and token usage)."""

from __future__ import annotations

import io
import wave

from aiohttp import web

from tests.providers.fake_server import FakeServer
from tests.providers.openai_server import error_response

SPEECH_PATH = "/v1/audio/speech"
TRANSCRIPTIONS_PATH = "/v1/audio/transcriptions"
# Half a second of silence: 8 kHz, 16-bit, mono.
SAMPLE_RATE = 8000
SECONDS = 0.5


def wav_audio(seconds: float = SECONDS) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(b"\x00\x00" * int(SAMPLE_RATE * seconds))
    return buffer.getvalue()


AUDIO = wav_audio()


class FakeOpenAIAudio(FakeServer):
    """``base_url`` is what an OpenAI client is given (``.../v1``). Each
    request takes the next ``Turn``: its ``text`` is a transcript, its usage
    the transcription's tokens, its error an HTTP error instead."""

    def __init__(self) -> None:
        super().__init__(
            [
                ("POST", SPEECH_PATH, self._speech),
                ("POST", TRANSCRIPTIONS_PATH, self._transcription),
            ]
        )

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    async def _speech(self, request: web.Request) -> web.StreamResponse:
        turn = self.next_turn()
        if turn.error is not None:
            return error_response(turn)
        response = web.StreamResponse(headers={"Content-Type": "audio/wav"})
        await response.prepare(request)
        third = len(AUDIO) // 3
        for start in (0, third, 2 * third):
            end = len(AUDIO) if start == 2 * third else start + third
            await response.write(AUDIO[start:end])
        await response.write_eof()
        return response

    async def _transcription(self, request: web.Request) -> web.StreamResponse:
        turn = self.next_turn()
        if turn.error is not None:
            return error_response(turn)
        usage = turn.usage
        return web.json_response(
            {
                "text": turn.text or "",
                "usage": {
                    "type": "tokens",
                    "input_tokens": usage.input_tokens,
                    "output_tokens": usage.output_tokens,
                    "total_tokens": usage.input_tokens + usage.output_tokens,
                },
            }
        )

"""What both AgentScope lines' speech responses share: a ``TTSResponse``
holds its audio as a block whose source carries base64 data (1.x: an
``AudioBlock`` TypedDict; 2.x: a pydantic ``DataBlock``), and may carry
``TTSUsage``; a 2.x ``ASRResponse`` holds its transcript as a ``TextBlock``.
Sizes are read from the base64 text itself: no audio is decoded."""

from __future__ import annotations

from typing import Any

from otelscope.core.speech import (
    AudioSize,
    AudioTally,
    ChunkAudio,
    SpeechResult,
    audio_of_base64,
)
from otelscope.core.values import field, integer, text


def audio_data(response: Any) -> str | None:
    """The base64 audio of a TTS response (None: no audio, or a URL)."""
    source = field(field(response, "content"), "source")
    data = field(source, "data")
    return data if isinstance(data, str) else None


def usage_of(response: Any) -> tuple[int | None, int | None]:
    usage = field(response, "usage")
    if usage is None:
        return None, None
    return integer(field(usage, "input_tokens")), integer(field(usage, "output_tokens"))


def tts_result(response: Any) -> SpeechResult:
    """A whole (not streamed) ``TTSResponse``."""
    data = audio_data(response)
    audio: AudioSize | None = audio_of_base64(data) if data else None
    input_tokens, output_tokens = usage_of(response)
    return SpeechResult(audio=audio, input_tokens=input_tokens, output_tokens=output_tokens)


class TTSStream:
    """A streamed TTS response: its audio added up as ``mode`` says the
    model's chunks hold it, and the usage of the chunk that carries one."""

    __slots__ = ("_audio", "_input_tokens", "_output_tokens")

    def __init__(self, mode: ChunkAudio) -> None:
        self._audio = AudioTally(mode)
        self._input_tokens: int | None = None
        self._output_tokens: int | None = None

    def chunk(self, chunk: Any) -> bool:
        data = audio_data(chunk)
        self._audio.chunk(data, field(chunk, "is_last") is True)
        input_tokens, output_tokens = usage_of(chunk)
        if input_tokens is not None or output_tokens is not None:
            self._input_tokens, self._output_tokens = input_tokens, output_tokens
        return bool(data)

    def result(self) -> SpeechResult:
        return SpeechResult(
            audio=self._audio.result(),
            input_tokens=self._input_tokens,
            output_tokens=self._output_tokens,
        )


def characters(value: Any) -> int | None:
    """The length of a text, when it is one."""
    found = text(value)
    return len(found) if found is not None else None

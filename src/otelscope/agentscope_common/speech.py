"""What both AgentScope lines' speech responses share: a ``TTSResponse``
holds its audio as a block whose source carries base64 data (1.x: an
``AudioBlock`` TypedDict; 2.x: a pydantic ``DataBlock``), and may carry
``TTSUsage``; a 2.x ``ASRResponse`` holds its transcript as a ``TextBlock``.
Sizes are read from the base64 text itself: no audio is decoded. The
duration is known from a WAV header, or from a media type that says the
audio is 16-bit PCM at a rate (``audio/L16;rate=24000``, what Gemini's TTS
models answer)."""

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


def media_type(response: Any) -> str | None:
    return text(field(field(field(response, "content"), "source"), "media_type"))


def pcm_byte_rate(media: str | None) -> int | None:
    """Bytes per second of ``audio/L16`` (RFC 2586: 16-bit samples, its
    ``rate`` and ``channels``, one unless said); None for another type."""
    if media is None:
        return None
    kind, *parameters = (part.strip().lower() for part in media.split(";"))
    if kind != "audio/l16":
        return None
    values = dict(parameter.partition("=")[::2] for parameter in parameters)
    rate, channels = values.get("rate", ""), values.get("channels", "1")
    if not (rate.isdigit() and channels.isdigit()) or int(rate) * int(channels) == 0:
        return None
    return int(rate) * int(channels) * 2


def with_duration(audio: AudioSize | None, media: str | None) -> AudioSize | None:
    """``audio`` with its duration from its media type, when its bytes did
    not say it."""
    if audio is None or audio.duration is not None:
        return audio
    byte_rate = pcm_byte_rate(media)
    return audio if byte_rate is None else AudioSize(audio.size, audio.size / byte_rate)


def usage_of(response: Any) -> tuple[int | None, int | None]:
    usage = field(response, "usage")
    if usage is None:
        return None, None
    return integer(field(usage, "input_tokens")), integer(field(usage, "output_tokens"))


def tts_result(response: Any) -> SpeechResult:
    """A whole (not streamed) ``TTSResponse``."""
    data = audio_data(response)
    audio = with_duration(audio_of_base64(data), media_type(response)) if data else None
    input_tokens, output_tokens = usage_of(response)
    return SpeechResult(audio=audio, input_tokens=input_tokens, output_tokens=output_tokens)


class TTSStream:
    """A streamed TTS response: its audio added up as ``mode`` says the
    model's chunks hold it, and the usage of the chunk that carries one."""

    __slots__ = ("_audio", "_input_tokens", "_media_type", "_output_tokens")

    def __init__(self, mode: ChunkAudio) -> None:
        self._audio = AudioTally(mode)
        self._input_tokens: int | None = None
        self._output_tokens: int | None = None
        self._media_type: str | None = None

    def chunk(self, chunk: Any) -> bool:
        data = audio_data(chunk)
        if data and self._media_type is None:
            self._media_type = media_type(chunk)
        self._audio.chunk(data, field(chunk, "is_last") is True)
        input_tokens, output_tokens = usage_of(chunk)
        if input_tokens is not None or output_tokens is not None:
            self._input_tokens, self._output_tokens = input_tokens, output_tokens
        return bool(data)

    def result(self) -> SpeechResult:
        return SpeechResult(
            audio=with_duration(self._audio.result(), self._media_type),
            input_tokens=self._input_tokens,
            output_tokens=self._output_tokens,
        )


def characters(value: Any) -> int | None:
    """The length of a text, when it is one."""
    found = text(value)
    return len(found) if found is not None else None

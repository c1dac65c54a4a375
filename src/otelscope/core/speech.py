"""Speech calls as spans: text-to-speech and speech recognition.

Both are model calls to a provider, so they follow the chat span's rules: a
CLIENT span ``{operation} {model}`` with the provider and the model asked
for, whether it streams, the time to the first chunk of a stream, the usage
the model reported, the endpoint and the HTTP attempts its SDK reported
(``otelscope.core.served``: the provider's report wins over AgentScope's),
``gen_ai.client.operation.duration`` and ``gen_ai.client.token.usage``. The
GenAI conventions name no operation for speech, so the names are
otelscope's (``conventions.OP_TEXT_TO_SPEECH``, ``OP_SPEECH_TO_TEXT``).

Sizes, known without reading any content: the text's length in characters
(the text synthesized, or the transcript), the audio's size in bytes and,
when the audio says it (a WAV header) or the provider reported it, its
duration in seconds (the audio synthesized, or the audio transcribed). The
text itself is content: recorded only with capture on, through
``Telemetry.record_content`` (the text synthesized as the input message, the
transcript as the output message).

Adapters read AgentScope's objects into the records below; the span's name
and attributes are made here only.
"""

from __future__ import annotations

import binascii
import struct
from base64 import b64decode
from enum import Enum
from typing import Any, NamedTuple

from opentelemetry.trace import Span, SpanKind
from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.invocations import ModelOperation
from otelscope.core.metrics import Metrics
from otelscope.core.served import Served
from otelscope.core.telemetry import Telemetry
from otelscope.core.values import known


class AudioSize(NamedTuple):
    """The size of some audio: its bytes and, when known, its seconds."""

    size: int
    duration: float | None = None


class SpeechRequest(NamedTuple):
    """What a speech call asks for."""

    operation: str  # conv.OP_TEXT_TO_SPEECH or conv.OP_SPEECH_TO_TEXT
    provider: str
    model: str | None
    stream: bool
    voice: str | None = None
    # Text-to-speech: the text's length; speech recognition: the audio's.
    text_characters: int | None = None
    audio: AudioSize | None = None


class SpeechResult(NamedTuple):
    """What a speech call produced: the audio synthesized or the transcript's
    length, and the usage AgentScope's response reported."""

    text_characters: int | None = None
    audio: AudioSize | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None


class SpeechOperation(ModelOperation):
    """A speech call: a model call whose provider's SDK may report to it."""

    __slots__ = (
        "_metrics",
        "input_tokens",
        "metric_attributes",
        "output_tokens",
        "time_to_first_chunk",
    )

    def __init__(
        self,
        span: Span,
        metric_attributes: dict[str, AttributeValue],
        metrics: Metrics,
        attached: bool = True,
    ) -> None:
        super().__init__(span, attached)
        self.metric_attributes = metric_attributes
        self._metrics = metrics
        self._served: Served | None = None
        self.time_to_first_chunk: float | None = None
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None

    def chunk_arrived(self, elapsed: float) -> None:
        """A streamed chunk arrived ``elapsed`` seconds after the start."""
        if self.time_to_first_chunk is None:
            self.time_to_first_chunk = elapsed
            self.set(conv.RESPONSE_TIME_TO_FIRST_CHUNK, elapsed)

    def finish(self, result: SpeechResult) -> None:
        """Record what the call produced (the provider's usage over
        AgentScope's) and end the span."""
        served = self._served.result() if self._served is not None else None
        input_tokens, output_tokens = result.input_tokens, result.output_tokens
        if served is not None:
            input_tokens = served.input_tokens if served.input_tokens is not None else input_tokens
            if served.output_tokens is not None:
                output_tokens = served.output_tokens
        self.input_tokens, self.output_tokens = input_tokens, output_tokens
        audio = result.audio
        self.set_all(
            {
                conv.SPEECH_TEXT_CHARACTERS: result.text_characters,
                conv.SPEECH_AUDIO_BYTES: audio.size if audio is not None else None,
                conv.SPEECH_AUDIO_DURATION: audio.duration if audio is not None else None,
                conv.USAGE_INPUT_TOKENS: input_tokens,
                conv.USAGE_OUTPUT_TOKENS: output_tokens,
            }
        )
        status = self._served.status if self._served is not None else None
        if status is not None and audio is None and result.text_characters is None:
            # The provider refused, and the model returned nothing without
            # raising (AgentScope 1.x's DashScope TTS does). A refused attempt
            # that a retry made good leaves its status behind, and an output.
            self.fail_as(str(status), f"the provider answered with HTTP status {status}")
            return
        self.stop()

    def _recorded(self, error_type: str | None) -> None:
        self._metrics.model_call(
            self._metric_attributes_with(self.metric_attributes, None),
            self.duration(),
            error_type,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            time_to_first_chunk=self.time_to_first_chunk,
            context=self.context,
        )


def start_speech(telemetry: Telemetry, request: SpeechRequest) -> SpeechOperation:
    """Start the span of a speech call (``Telemetry.start_part``: the
    conversation, and nothing started under a span a sampler dropped)."""
    metric_attributes = known(
        {
            conv.OPERATION_NAME: request.operation,
            conv.PROVIDER_NAME: request.provider,
            conv.REQUEST_MODEL: request.model,
        }
    )
    audio = request.audio
    attributes: dict[str, AttributeValue | None] = {
        **metric_attributes,
        conv.REQUEST_STREAM: request.stream,
        conv.OUTPUT_TYPE: (
            conv.OUTPUT_TYPE_SPEECH
            if request.operation == conv.OP_TEXT_TO_SPEECH
            else conv.OUTPUT_TYPE_TEXT
        ),
        conv.SPEECH_VOICE: request.voice,
        conv.SPEECH_TEXT_CHARACTERS: request.text_characters,
        conv.SPEECH_AUDIO_BYTES: audio.size if audio is not None else None,
        conv.SPEECH_AUDIO_DURATION: audio.duration if audio is not None else None,
    }
    name = f"{request.operation} {request.model}" if request.model else request.operation
    part = telemetry.start_part(name, SpanKind.CLIENT, attributes)
    return SpeechOperation(
        part.span, metric_attributes, telemetry.metrics, attached=part.context is not None
    )


def text_content(operation: str, text: str) -> dict[str, Any]:
    """The text of a speech call as the conventions' messages: the text to
    synthesize is the input, a transcript the output."""
    part = {"type": "text", "content": text}
    if operation == conv.OP_TEXT_TO_SPEECH:
        return {conv.INPUT_MESSAGES: [{"role": "user", "parts": [part]}]}
    message = {"role": "assistant", "parts": [part], "finish_reason": conv.FINISH_STOP}
    return {conv.OUTPUT_MESSAGES: [message]}


# -- audio sizes, read without decoding the audio ----------------------------------


def base64_size(data: str) -> int:
    """The number of bytes ``data`` decodes to: base64, or pieces of base64
    each padded and put end to end (each ``=`` stands for a missing byte)."""
    return len(data) * 3 // 4 - data.count("=")


class WavLayout(NamedTuple):
    """What a WAV header says: bytes per second, where the samples start and
    how many bytes of them it declares (None: unknown, as in a stream)."""

    byte_rate: int
    data_offset: int
    declared: int | None

    def duration(self, total: int) -> float | None:
        """Seconds of audio in ``total`` bytes of the whole file."""
        samples = total - self.data_offset
        if self.declared is not None:
            samples = min(samples, self.declared)
        return samples / self.byte_rate if samples >= 0 else None


# Enough of a base64 WAV to hold its header (a multiple of 4 characters).
_HEAD_CHARACTERS = 344
# A streamed WAV's data size is unknown when its header is written.
_UNKNOWN_SIZES = frozenset({0, 0xFFFFFFFF, 0x7FFFFFFF})


def wav_layout_base64(data: str) -> WavLayout | None:
    """The layout of a base64 WAV, from its first characters only."""
    try:
        head = b64decode(data[:_HEAD_CHARACTERS])
    except (binascii.Error, ValueError):
        return None
    return wav_layout(head)


def wav_layout(head: bytes) -> WavLayout | None:
    """The layout of a WAV file from its first bytes; None if they are not one."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    position, byte_rate = 12, None
    while position + 8 <= len(head):
        chunk, size = head[position : position + 4], struct.unpack_from("<I", head, position + 4)[0]
        if chunk == b"fmt " and position + 20 <= len(head):
            byte_rate = struct.unpack_from("<I", head, position + 16)[0]
        elif chunk == b"data":
            if not byte_rate:
                return None
            declared = None if size in _UNKNOWN_SIZES else size
            return WavLayout(byte_rate, position + 8, declared)
        position += 8 + size + (size & 1)
    return None


class ChunkAudio(Enum):
    """How a stream's chunks hold the audio: each its own part (deltas), the
    whole audio so far (cumulative), deltas with the last one repeated, or
    in a way not known (no size is recorded)."""

    DELTAS = "deltas"
    CUMULATIVE = "cumulative"
    DELTAS_LAST_REPEATED = "deltas_last_repeated"
    UNKNOWN = "unknown"


class AudioTally:
    """The audio of a stream, added up chunk by chunk without decoding it:
    its bytes and, when its first chunk starts with a WAV header, its
    duration."""

    __slots__ = ("_layout", "_longest", "_mode", "_size", "_started")

    def __init__(self, mode: ChunkAudio) -> None:
        self._mode = mode
        self._size = 0
        self._started = False
        self._layout: WavLayout | None = None
        # Cumulative chunks: the longest so far, sized once at the end.
        self._longest = ""

    def chunk(self, data: str | None, last: bool) -> None:
        """One chunk's base64 audio (None: none); ``last``: the stream's last."""
        if data is None:
            return
        if not self._started and data:
            self._started = True
            self._layout = wav_layout_base64(data)
        if self._mode is ChunkAudio.CUMULATIVE:
            if len(data) > len(self._longest):
                self._longest = data
        elif not (last and self._mode is ChunkAudio.DELTAS_LAST_REPEATED):
            self._size += base64_size(data)

    def result(self) -> AudioSize | None:
        if not self._started or self._mode is ChunkAudio.UNKNOWN:
            return None
        size = base64_size(self._longest) if self._mode is ChunkAudio.CUMULATIVE else self._size
        layout = self._layout
        return AudioSize(size, layout.duration(size) if layout is not None else None)


def audio_of_base64(data: str) -> AudioSize:
    """The size of one whole base64 audio, and its duration if it is a WAV."""
    size = base64_size(data)
    layout = wav_layout_base64(data)
    return AudioSize(size, layout.duration(size) if layout is not None else None)


def audio_of_bytes(data: bytes) -> AudioSize:
    layout = wav_layout(data[: _HEAD_CHARACTERS * 3 // 4])
    return AudioSize(len(data), layout.duration(len(data)) if layout is not None else None)

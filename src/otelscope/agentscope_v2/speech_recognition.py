"""`speech_to_text` spans for AgentScope 2.x ASR models.

``ASRModelBase.transcribe`` is abstract: each class that defines its own
(``OpenAIASRModel``, a user's, now or later) is wrapped
(``otelscope.core.hierarchy``). A realtime model's ``transcribe()`` without
audio finalizes what ``push`` sent; it is traced all the same, with no input
size. Installed when ``agentscope.asr`` is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from otelscope.agentscope_common.providers import provider_for_class
from otelscope.agentscope_common.speech import characters
from otelscope.core import conventions as conv
from otelscope.core.hierarchy import NestedCallGuard, wrap_own_methods
from otelscope.core.patching import Patches
from otelscope.core.speech import SpeechRequest, SpeechResult, audio_of_bytes
from otelscope.core.speech_call import SpeechStreamReader, traced_speech_call
from otelscope.core.telemetry import Telemetry
from otelscope.core.values import field, text

_transcribing = NestedCallGuard("otelscope_v2_transcribe")


def install(patches: Patches, telemetry: Telemetry) -> None:
    from agentscope.asr import ASRModelBase

    wrap = traced_speech_call(telemetry, Transcribe())
    wrap_own_methods(ASRModelBase, "transcribe", wrap, patches)


def _transcript(response: Any) -> str | None:
    return text(field(field(response, "content"), "text"))


class Transcribe:
    """``transcribe(audio=None, filename="audio.wav", **kwargs)``."""

    def already_traced(self, model: Any) -> bool:
        return _transcribing.is_running(model)

    def scope(self, model: Any) -> AbstractContextManager[None]:
        return _transcribing.running(model)

    def request(
        self, model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> SpeechRequest:
        audio = args[0] if args else kwargs.get("audio")
        return SpeechRequest(
            conv.OP_SPEECH_TO_TEXT,
            provider_for_class(type(model)),
            text(field(model, "model")),
            False,
            audio=audio_of_bytes(audio) if isinstance(audio, bytes) and audio else None,
        )

    def text_in(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str | None:
        return None

    def result(self, response: Any) -> SpeechResult:
        return SpeechResult(text_characters=characters(_transcript(response)))

    def text_out(self, response: Any) -> str | None:
        return _transcript(response)

    def stream(self, model: Any) -> SpeechStreamReader:
        raise TypeError("AgentScope's transcriptions are not streamed")

"""`text_to_speech` spans for AgentScope 2.x TTS models.

``TTSModelBase.synthesize`` is abstract: each class that defines its own
(``OpenAITTSModel``, ``DashScopeTTSModel``, ``GeminiTTSModel``, the
DashScope realtime and CosyVoice models, a user's, now or later) is wrapped
(``otelscope.core.hierarchy``). A streamed response is an async generator of
incremental chunks (2.x documents each chunk as a delta), the last with
``is_last`` and the usage. Installed when ``agentscope.tts`` is imported (2.x
imports it only for a program that uses it).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from otelscope.agentscope_common.providers import provider_for_class
from otelscope.agentscope_common.speech import TTSStream, characters, tts_result
from otelscope.core import conventions as conv
from otelscope.core.hierarchy import NestedCallGuard, wrap_own_methods
from otelscope.core.patching import Patches
from otelscope.core.speech import ChunkAudio, SpeechRequest, SpeechResult
from otelscope.core.speech_call import traced_speech_call
from otelscope.core.telemetry import Telemetry
from otelscope.core.values import field, text

_synthesizing = NestedCallGuard("otelscope_v2_synthesize")


def install(patches: Patches, telemetry: Telemetry) -> None:
    from agentscope.tts import TTSModelBase

    wrap = traced_speech_call(telemetry, Synthesize())
    wrap_own_methods(TTSModelBase, "synthesize", wrap, patches)


def _text(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
    return args[0] if args else kwargs.get("text")


class Synthesize:
    """``synthesize(text=None, **kwargs)``."""

    def already_traced(self, model: Any) -> bool:
        return _synthesizing.is_running(model)

    def scope(self, model: Any) -> AbstractContextManager[None]:
        return _synthesizing.running(model)

    def request(
        self, model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> SpeechRequest:
        return SpeechRequest(
            conv.OP_TEXT_TO_SPEECH,
            provider_for_class(type(model)),
            text(field(model, "model")),
            field(model, "stream") is True,
            voice=text(field(field(model, "parameters"), "voice")),
            text_characters=characters(_text(args, kwargs)),
        )

    def text_in(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str | None:
        return text(_text(args, kwargs))

    def result(self, response: Any) -> SpeechResult:
        return tts_result(response)

    def text_out(self, response: Any) -> str | None:
        return None

    def stream(self, model: Any) -> TTSStream:
        return TTSStream(ChunkAudio.DELTAS)

"""`text_to_speech` spans for AgentScope 1.x TTS models (from 1.0.x releases
that ship ``agentscope.tts``; 1.0.8 has none).

``TTSModelBase.synthesize`` is abstract: each class that defines its own is
wrapped (``otelscope.core.hierarchy``), a user's too. It takes a ``Msg``
whose text is synthesized. 1.x's streamed chunks hold the audio in
different ways by class: ``OpenAITTSModel`` yields each piece of audio and
then the last piece again; the DashScope classes and ``GeminiTTSModel``
yield the whole audio so far (Gemini's and the realtime DashScope model's
as the pieces' base64 put end to end). A stream of another class has no
audio size.
Installed when ``agentscope.tts`` is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from otelscope.agentscope_common.providers import provider_for_class
from otelscope.agentscope_common.speech import TTSStream, characters, tts_result
from otelscope.agentscope_v1.native_tracing import native_tracing_off
from otelscope.core import conventions as conv
from otelscope.core.guard import report_internal_error
from otelscope.core.hierarchy import NestedCallGuard, wrap_own_methods
from otelscope.core.patching import Patches
from otelscope.core.speech import ChunkAudio, SpeechRequest, SpeechResult
from otelscope.core.speech_call import traced_speech_call
from otelscope.core.telemetry import Telemetry
from otelscope.core.values import field, text

_synthesizing = NestedCallGuard("otelscope_v1_synthesize")

# How each AgentScope class's streamed chunks hold the audio.
_CHUNK_AUDIO = {
    "OpenAITTSModel": ChunkAudio.DELTAS_LAST_REPEATED,
    "DashScopeTTSModel": ChunkAudio.CUMULATIVE,
    "DashScopeRealtimeTTSModel": ChunkAudio.CUMULATIVE,
    "DashScopeCosyVoiceTTSModel": ChunkAudio.CUMULATIVE,
    "DashScopeCosyVoiceRealtimeTTSModel": ChunkAudio.CUMULATIVE,
    "GeminiTTSModel": ChunkAudio.CUMULATIVE,
}


def install(patches: Patches, telemetry: Telemetry) -> None:
    from agentscope.tts import TTSModelBase

    wrap = traced_speech_call(telemetry, Synthesize())
    wrap_own_methods(TTSModelBase, "synthesize", wrap, patches)


def _text(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str | None:
    msg = args[0] if args else kwargs.get("msg")
    if msg is None:
        return None
    try:
        return text(msg.get_text_content())
    except Exception:
        report_internal_error("reading the text to synthesize")
        return None


class Synthesize:
    """``synthesize(msg=None, **kwargs)``."""

    def already_traced(self, model: Any) -> bool:
        return _synthesizing.is_running(model)

    def scope(self, model: Any) -> AbstractContextManager[None]:
        return _synthesizing.running(model, native_tracing_off())

    def request(
        self, model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> SpeechRequest:
        return SpeechRequest(
            conv.OP_TEXT_TO_SPEECH,
            provider_for_class(type(model)),
            text(field(model, "model_name")),
            field(model, "stream") is True,
            voice=text(field(model, "voice")),
            text_characters=characters(_text(args, kwargs)),
        )

    def text_in(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str | None:
        return _text(args, kwargs)

    def result(self, response: Any) -> SpeechResult:
        return tts_result(response)

    def text_out(self, response: Any) -> str | None:
        return None

    def stream(self, model: Any) -> TTSStream:
        for cls in type(model).__mro__:
            if cls.__module__.startswith("agentscope.") and cls.__name__ in _CHUNK_AUDIO:
                return TTSStream(_CHUNK_AUDIO[cls.__name__])
        return TTSStream(ChunkAudio.UNKNOWN)

"""Speech on AgentScope 1.x: its OpenAI TTS model pointed at a fake server
(``tests.providers.openai_audio_server``). 1.x has no speech recognition,
and 1.0.8 no TTS either."""

from __future__ import annotations

import importlib.util
from typing import Any

HAS_TTS = importlib.util.find_spec("agentscope.tts") is not None
HAS_ASR = False
NO_TTS = "AgentScope 1.0.8 ships no TTS models (agentscope.tts came later in 1.0.x)"
NO_ASR = "AgentScope 1.x ships no speech recognition (ASRModelBase is 2.x's)"
# What `OpenAITTSModel` records as its voice when given none.
DEFAULT_VOICE = "alloy"
TTS_MODEL = "gpt-4o-mini-tts"


def tts_model(base_url: str, stream: bool) -> Any:
    from agentscope.tts import OpenAITTSModel

    return OpenAITTSModel(
        api_key="sk-test", stream=stream, client_kwargs={"base_url": base_url, "max_retries": 0}
    )


async def synthesize(model: Any, text: str) -> Any:
    from agentscope.message import Msg

    return await model.synthesize(Msg("assistant", text, "assistant"))


def asr_model(base_url: str) -> Any:  # pragma: no cover - 1.x has none
    raise NotImplementedError(NO_ASR)


# -- the DashScope and Gemini TTS classes -------------------------------------------
# Each is pointed at a fake server: the HTTP and CosyVoice classes through
# the SDK's process-wide ``dashscope.base_http_api_url`` /
# ``base_websocket_api_url`` (set by the test), the realtime class through
# its ``client_kwargs={"url": ...}`` (``QwenTtsRealtime(url=...)``), Gemini's
# through ``client_kwargs={"http_options": ...}``.

PROVIDER_CASES = ("qwen", "qwen_realtime", "cosyvoice", "cosyvoice_realtime", "gemini")
# 1.x's streams hold the whole audio so far; its DashScope audio is bare PCM.
CUMULATIVE_STREAMS = True
WAV_HEADER = 0
# 1.x's DashScopeTTSModel reads a refusal as no audio and returns it.
QWEN_REFUSAL_RAISES = False
# Durations 1.x's responses let otelscope know: only Gemini's names L16 PCM.
DURATION_KNOWN = frozenset({"gemini"})
MODELS = {
    "qwen": "qwen3-tts-flash",
    "qwen_realtime": "qwen3-tts-flash-realtime",
    "cosyvoice": "cosyvoice-v3-plus",
    "cosyvoice_realtime": "cosyvoice-v3-plus",
    "gemini": "gemini-2.5-flash-preview-tts",
}
VOICES = {
    "qwen": "Cherry",
    "qwen_realtime": "Cherry",
    "cosyvoice": "longanyang",
    "cosyvoice_realtime": "longanyang",
    "gemini": "Kore",
}


def provider_tts_model(case: str, server: Any, stream: bool) -> Any:
    from agentscope import tts

    if case == "qwen":
        return tts.DashScopeTTSModel(api_key="sk-test", stream=stream)
    if case == "qwen_realtime":
        return tts.DashScopeRealtimeTTSModel(
            api_key="sk-test",
            stream=stream,
            client_kwargs={"url": server.realtime_url},
            max_retries=1,
            retry_delay=0.0,
        )
    if case == "cosyvoice":
        return tts.DashScopeCosyVoiceTTSModel(api_key="sk-test", stream=stream)
    if case == "cosyvoice_realtime":
        return tts.DashScopeCosyVoiceRealtimeTTSModel(
            api_key="sk-test", stream=stream, max_retries=1, retry_delay=0.0
        )
    return tts.GeminiTTSModel(
        api_key="sk-test",
        stream=stream,
        client_kwargs={"http_options": {"base_url": server.base_url}},
    )

"""Speech on AgentScope 2.x: its OpenAI TTS and ASR models pointed at a fake
server (``tests.providers.openai_audio_server``)."""

from __future__ import annotations

from typing import Any

HAS_TTS = True
HAS_ASR = True
NO_TTS = NO_ASR = ""
DEFAULT_VOICE = "alloy"
TTS_MODEL = "tts-1"
ASR_MODEL = "gpt-4o-mini-transcribe"


def _credential(base_url: str) -> Any:
    from agentscope.credential import OpenAICredential

    return OpenAICredential(api_key="sk-test", base_url=base_url)


def tts_model(base_url: str, stream: bool) -> Any:
    from agentscope.tts import OpenAITTSModel

    parameters = OpenAITTSModel.Parameters(response_format="wav")
    model = OpenAITTSModel(_credential(base_url), parameters=parameters, stream=stream)
    model.client = model.client.with_options(max_retries=0)
    return model


async def synthesize(model: Any, text: str) -> Any:
    return await model.synthesize(text)


def asr_model(base_url: str) -> Any:
    from agentscope.asr import OpenAIASRModel

    model = OpenAIASRModel(_credential(base_url))
    model.client = model.client.with_options(max_retries=0)
    return model


# -- the DashScope and Gemini TTS classes -------------------------------------------
# Each is pointed at a fake server: the HTTP and CosyVoice classes through
# the SDK's process-wide ``dashscope.base_http_api_url`` /
# ``base_websocket_api_url`` (set by the test), Gemini's through
# ``client_kwargs={"http_options": ...}``. 2.x's ``DashScopeRealtimeTTSModel``
# takes no URL: its ``_create_client`` builds ``QwenTtsRealtime(model=...,
# callback=...)``, whose URL is then wss://dashscope.aliyuncs.com, hard-coded
# in the SDK. A subclass that overrides ``_create_client`` alone, to pass the
# fake's URL, drives the rest of the class, ``synthesize`` included.

PROVIDER_CASES = ("qwen", "qwen_realtime", "cosyvoice", "cosyvoice_realtime", "gemini")
# 2.x's streams hold deltas; its audio is a WAV (a streaming header first).
CUMULATIVE_STREAMS = False
WAV_HEADER = 44
QWEN_REFUSAL_RAISES = True
DURATION_KNOWN = frozenset(PROVIDER_CASES)
MODELS = {
    "qwen": "qwen3-tts-flash",
    "qwen_realtime": "qwen3-tts-flash-realtime",
    "cosyvoice": "cosyvoice-v3-flash",
    "cosyvoice_realtime": "cosyvoice-v3-flash",
    "gemini": "gemini-2.5-flash-preview-tts",
}
VOICES = {
    "qwen": "Cherry",
    "qwen_realtime": "Cherry",
    "cosyvoice": "longanhuan",
    "cosyvoice_realtime": "longanhuan",
    "gemini": "Kore",
}


def _realtime_model_at(url: str) -> type[Any]:
    from agentscope.tts import DashScopeRealtimeTTSModel

    class AtURL(DashScopeRealtimeTTSModel):  # type: ignore[misc]
        def _create_client(self) -> None:
            super()._create_client()
            from dashscope.audio.qwen_tts_realtime import QwenTtsRealtime

            self._tts_client = QwenTtsRealtime(model=self.model, callback=self._callback, url=url)

    return AtURL


def provider_tts_model(case: str, server: Any, stream: bool) -> Any:
    from agentscope import tts
    from agentscope.credential import DashScopeCredential, GeminiCredential

    dashscope_key = DashScopeCredential(api_key="sk-test")
    if case == "qwen":
        return tts.DashScopeTTSModel(dashscope_key, stream=stream)
    if case == "qwen_realtime":
        model_class = _realtime_model_at(server.realtime_url)
        return model_class(dashscope_key, stream=stream, max_retries=1, retry_delay=0.0)
    if case.startswith("cosyvoice"):
        parameters = tts.DashScopeCosyVoiceTTSModel.Parameters(
            realtime=case == "cosyvoice_realtime"
        )
        return tts.DashScopeCosyVoiceTTSModel(
            dashscope_key, parameters=parameters, stream=stream, max_retries=1, retry_delay=0.0
        )
    return tts.GeminiTTSModel(
        GeminiCredential(api_key="sk-test"),
        stream=stream,
        client_kwargs={"http_options": {"base_url": server.base_url}},
    )

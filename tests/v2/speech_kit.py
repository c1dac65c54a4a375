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

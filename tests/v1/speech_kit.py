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

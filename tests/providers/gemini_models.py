"""AgentScope's Gemini classes, pointed at ``FakeGemini``, for whichever
AgentScope line is installed (the Gemini counterpart of ``models``).

google-genai retries only when its client is given retry options: the chat
models get ``SDK_ATTEMPTS`` attempts, without pauses, so that one SDK call
can send more than one request. 2.x's chat class retries the SDK call
``LINE_RETRIES`` more times itself.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from tests.providers.gemini_server import FakeGemini
from tests.providers.models import ASKED_MODEL, DIMENSIONS, FAKE_KEY, LINE, MAX_TOKENS

LINE_RETRIES = 1 if LINE == 2 else 0
SDK_ATTEMPTS = 2
TEMPERATURE = 0.5
# The embedding classes take no retry options for their SDK client, and
# 2.x's declares no exception retryable: its ``max_retries`` never retries.
FAILED_EMBEDDING_REQUESTS = 1


def failed_chat_requests(stream: bool) -> int:
    """HTTP requests one failing chat call sends: the SDK's attempts, times
    AgentScope's own on 2.x, except for a stream. google-genai sends a
    stream's request when the stream is first read, after the model call
    that 2.x retries has returned it: its error escapes 2.x's retries."""
    return SDK_ATTEMPTS if stream else SDK_ATTEMPTS * (LINE_RETRIES + 1)


def http_options(server: FakeGemini) -> dict[str, Any]:
    no_pause = {"initial_delay": 0.0, "max_delay": 0.0, "jitter": 0.0}
    return {"base_url": server.base_url, "retry_options": {"attempts": SDK_ATTEMPTS, **no_pause}}


def chat_model(server: FakeGemini, stream: bool) -> Any:
    from agentscope import model

    client_kwargs = {"http_options": http_options(server)}
    if LINE == 1:
        return model.GeminiChatModel(
            ASKED_MODEL,
            api_key=FAKE_KEY,
            stream=stream,
            client_kwargs=client_kwargs,
            generate_kwargs={"temperature": TEMPERATURE, "max_output_tokens": MAX_TOKENS},
        )
    from agentscope.credential import GeminiCredential

    return model.GeminiChatModel(
        GeminiCredential(api_key=FAKE_KEY),
        ASKED_MODEL,
        parameters=model.GeminiChatModel.Parameters(max_tokens=MAX_TOKENS, temperature=TEMPERATURE),
        stream=stream,
        max_retries=LINE_RETRIES,
        retry_delay=0.0,
        client_kwargs=client_kwargs,
    )


def question() -> list[Any]:
    """One user message, in the form the line's Gemini model takes (1.x
    models take what their formatter gives: Gemini's own format)."""
    if LINE == 1:
        return [{"role": "user", "parts": [{"text": "Weather in Paris?"}]}]
    from agentscope.message import UserMsg

    return [UserMsg(name="user", content="Weather in Paris?")]


async def ask(model: Any, **config: Any) -> Any:
    """Call ``model`` once, with ``config`` for the SDK's generation config;
    a stream is read to its end. The last response."""
    response = await model(question(), **config)
    if not inspect.isasyncgen(response):
        return response
    last = None
    async for chunk in response:
        last = chunk
    return last


def embedding_model(server: FakeGemini, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The line's Gemini embedding class on ``server``, for ``DIMENSIONS``."""
    from agentscope import embedding

    if LINE == 1:
        # 1.x passes its keyword arguments to the SDK's client.
        return embedding.GeminiTextEmbedding(
            FAKE_KEY,
            ASKED_MODEL,
            dimensions=DIMENSIONS,
            http_options={"base_url": server.base_url},
        )
    from agentscope.credential import GeminiCredential

    # 2.x's class takes no options for its client, which reads the base URL
    # from the environment when it is made.
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.base_url)
    return embedding.GeminiEmbeddingModel(
        GeminiCredential(api_key=FAKE_KEY),
        ASKED_MODEL,
        dimensions=DIMENSIONS,
        max_retries=LINE_RETRIES,
        retry_delay=0.0,
    )


async def embed(model: Any, texts: list[str]) -> Any:
    if LINE == 1:
        # 1.x does not send the dimensions it was made with: the call asks.
        return await model(texts, output_dimensionality=DIMENSIONS)
    return await model(texts)

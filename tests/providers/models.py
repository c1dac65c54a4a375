"""AgentScope's real model classes, pointed at the fake provider servers,
for whichever AgentScope line is installed.

``chat_model(kind, server, stream)`` builds the model class of ``kind``
with the suite's fake key and request parameters; ``ask(model)`` calls it
once as an agent would, reads a stream to its end, and returns the last
response. Retries are kept, but made quick: ``SDK_RETRIES`` by the SDK, and
on 2.x ``LINE_RETRIES`` more by AgentScope around each SDK call.
"""

from __future__ import annotations

import inspect
import warnings
from importlib import metadata
from typing import Any

from tests.providers.fake_server import FakeServer

LINE = int(metadata.version("agentscope").split(".", 1)[0])
# Planted in every client; it must appear in no exported byte.
FAKE_KEY = "sk-fake-otelscope-0123456789abcdef"
ASKED_MODEL = "asked-model"
MAX_TOKENS = 256
SDK_RETRIES = 1
LINE_RETRIES = 1 if LINE == 2 else 0
# HTTP requests one failing model call sends: the SDK's attempts, times
# AgentScope's own on 2.x.
FAILED_CALL_REQUESTS = (SDK_RETRIES + 1) * (LINE_RETRIES + 1)

# The model kinds of each line that these tests drive, by the SDK they use.
OPENAI_CHAT_KINDS = {
    1: ("openai", "trinity"),
    2: ("openai", "dashscope", "deepseek", "moonshot", "volcengine"),
}[LINE]
ANTHROPIC_KINDS = {1: ("anthropic",), 2: ("anthropic", "minimax")}[LINE]
RESPONSES_KINDS = ("openai-responses",)

# `gen_ai.provider.name` of each kind.
PROVIDER_NAMES = {
    "openai": "openai",
    "trinity": "openai",
    "openai-responses": "openai",
    "dashscope": "dashscope",
    "deepseek": "deepseek",
    "moonshot": "moonshot_ai",
    "volcengine": "volcengine",
    "anthropic": "anthropic",
    "minimax": "minimax",
}


def chat_model(kind: str, server: FakeServer, stream: bool) -> Any:
    base_url = server.base_url
    return (
        _chat_model_v1(kind, base_url, stream)
        if LINE == 1
        else _chat_model_v2(kind, base_url, stream)
    )


def _sdk_options(base_url: str) -> dict[str, Any]:
    return {"base_url": base_url, "max_retries": SDK_RETRIES}


def _chat_model_v1(kind: str, base_url: str, stream: bool) -> Any:
    from agentscope import model

    generate = {"max_tokens": MAX_TOKENS, "temperature": 0.5}
    if kind == "openai":
        return model.OpenAIChatModel(
            ASKED_MODEL,
            api_key=FAKE_KEY,
            stream=stream,
            client_kwargs=_sdk_options(base_url),
            generate_kwargs=generate,
        )
    if kind == "trinity":
        from openai import AsyncOpenAI

        client = AsyncOpenAI(api_key=FAKE_KEY, **_sdk_options(base_url))
        client.model_path = ASKED_MODEL  # type: ignore[attr-defined]
        # Trinity-RFT's client never streams. The class is deprecated, and
        # still shipped and supported by AgentScope 1.0.21.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return model.TrinityChatModel(client, generate_kwargs=generate)
    if kind == "openai-responses":
        return model.OpenAIResponseModel(
            ASKED_MODEL,
            api_key=FAKE_KEY,
            stream=stream,
            client_kwargs=_sdk_options(base_url),
            generate_kwargs={"temperature": 0.5, "max_output_tokens": MAX_TOKENS},
        )
    if kind == "anthropic":
        return model.AnthropicChatModel(
            ASKED_MODEL,
            api_key=FAKE_KEY,
            max_tokens=MAX_TOKENS,
            stream=stream,
            client_kwargs=_sdk_options(base_url),
        )
    raise ValueError(kind)


# 2.x: (model class, credential class) by kind.
_V2_CLASSES = {
    "openai": ("OpenAIChatModel", "OpenAICredential"),
    "dashscope": ("DashScopeChatModel", "DashScopeCredential"),
    "deepseek": ("DeepSeekChatModel", "DeepSeekCredential"),
    "moonshot": ("MoonshotChatModel", "MoonshotCredential"),
    "volcengine": ("VolcengineChatModel", "VolcengineCredential"),
    "openai-responses": ("OpenAIResponseModel", "OpenAICredential"),
    "anthropic": ("AnthropicChatModel", "AnthropicCredential"),
    "minimax": ("MiniMaxChatModel", "MiniMaxCredential"),
}


def _chat_model_v2(kind: str, base_url: str, stream: bool) -> Any:
    from agentscope import credential, model

    model_name, credential_name = _V2_CLASSES[kind]
    model_class = getattr(model, model_name)
    return model_class(
        getattr(credential, credential_name)(api_key=FAKE_KEY, base_url=base_url),
        ASKED_MODEL,
        parameters=model_class.Parameters(max_tokens=MAX_TOKENS),
        stream=stream,
        max_retries=LINE_RETRIES,
        retry_delay=0.0,
        client_kwargs={"max_retries": SDK_RETRIES},
    )


def question() -> list[Any]:
    """One user message, in the form the line's models take."""
    if LINE == 1:
        return [{"role": "user", "content": "Weather in Paris?"}]
    from agentscope.message import UserMsg

    return [UserMsg(name="user", content="Weather in Paris?")]


async def ask(model: Any) -> Any:
    """Call ``model`` once; a stream is read to its end. The last response."""
    response = await model(question())
    if not inspect.isasyncgen(response):
        return response
    last = None
    async for chunk in response:
        last = chunk
    return last


DIMENSIONS = 8
# 2.x's embedding class takes no options for its SDK client, which then
# retries twice, its default.
EMBEDDING_FAILED_REQUESTS = FAILED_CALL_REQUESTS if LINE == 1 else (2 + 1) * (LINE_RETRIES + 1)


def embedding_model(server: FakeServer) -> Any:
    """The line's OpenAI embedding class on ``server``, asking for
    ``DIMENSIONS`` dimensions."""
    from agentscope import embedding

    base_url = server.base_url
    if LINE == 1:
        # 1.x passes its keyword arguments to the SDK's client.
        return embedding.OpenAITextEmbedding(
            FAKE_KEY, ASKED_MODEL, dimensions=DIMENSIONS, **_sdk_options(base_url)
        )
    from agentscope.credential import OpenAICredential

    return embedding.OpenAIEmbeddingModel(
        OpenAICredential(api_key=FAKE_KEY, base_url=base_url),
        ASKED_MODEL,
        dimensions=DIMENSIONS,
        max_retries=LINE_RETRIES,
        retry_delay=0.0,
    )


async def embed(model: Any, texts: list[str]) -> Any:
    return await model(texts)

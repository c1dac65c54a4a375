"""`gen_ai.provider.name` from AgentScope model classes."""

from __future__ import annotations

from otelscope.agentscope_common.providers import provider_for_class


def agentscope_class(name: str, base: type = object) -> type:
    return type(name, (base,), {"__module__": "agentscope.model._fake"})


def test_known_classes_and_their_subclasses() -> None:
    openai = agentscope_class("OpenAIChatModel")
    assert provider_for_class(openai) == "openai"
    assert provider_for_class(type("MyModel", (openai,), {})) == "openai"
    assert provider_for_class(agentscope_class("DashScopeChatModel")) == "dashscope"
    assert provider_for_class(agentscope_class("AnthropicChatModel")) == "anthropic"
    assert provider_for_class(agentscope_class("GeminiChatModel")) == "gcp.gemini"
    assert provider_for_class(agentscope_class("OllamaChatModel")) == "ollama"


def test_unknown_and_look_alike_classes() -> None:
    assert provider_for_class(agentscope_class("ChatModelBase")) == "unknown"
    # A user's class is not taken for a provider by its name alone.
    assert provider_for_class(type("OpenAIStyleModel", (), {})) == "unknown"

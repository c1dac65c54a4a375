"""`gen_ai.provider.name` from an AgentScope model class.

AgentScope names its model classes after the provider (``OpenAIChatModel``,
``DashScopeChatModel``, ...) on both lines. The class and then its bases are
matched, so a user's subclass of ``OpenAIChatModel`` still reports
``openai``; a model class with no known provider in its ancestry reports
``unknown``, the value AgentScope's own tracing uses for it.
"""

from __future__ import annotations

import weakref
from typing import Final

UNKNOWN_PROVIDER: Final = "unknown"

# Class-name prefix -> well-known `gen_ai.provider.name` value of the conventions
# (or the provider's own lower-case name where the conventions list none).
_PREFIXES: Final = (
    ("OpenAI", "openai"),
    ("Trinity", "openai"),
    ("DashScope", "dashscope"),
    ("Anthropic", "anthropic"),
    ("Gemini", "gcp.gemini"),
    ("Ollama", "ollama"),
    ("DeepSeek", "deepseek"),
    ("XAI", "x_ai"),
    ("Moonshot", "moonshot_ai"),
    ("MiniMax", "minimax"),
    ("Volcengine", "volcengine"),
)


# Model classes are few and long-lived; a weak map lets classes defined on the
# fly (tests, notebooks) go.
_by_class: weakref.WeakKeyDictionary[type, str] = weakref.WeakKeyDictionary()


def provider_for_class(cls: type) -> str:
    """The provider of a model class, looked up once per class."""
    found = _by_class.get(cls)
    if found is None:
        found = _by_class[cls] = _lookup(cls)
    return found


def _lookup(cls: type) -> str:
    for klass in cls.__mro__:
        if klass.__module__.startswith("agentscope."):
            for prefix, provider in _PREFIXES:
                if klass.__name__.startswith(prefix):
                    return provider
    return UNKNOWN_PROVIDER

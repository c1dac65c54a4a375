"""What the provider actually served, read in its SDK, below AgentScope.

One module per SDK; each reports to the traced model call that is running
(``otelscope.core.served``). A reader is installed when its SDK is imported,
by AgentScope or anyone, before or after ``instrument()``: importing the SDKs
here would cost every instrumented process seconds (anthropic and dashscope
take about a second each) for SDKs it may never use. An SDK imported after
``uninstrument()`` is left alone.
"""

from __future__ import annotations

from otelscope.core.patching import Patches, install_on_import

# The SDK each module reads, by the SDK's import name.
_READERS = {
    "xai_sdk": "otelscope.provider_sdks.xai_sdk",
    "google.genai": "otelscope.provider_sdks.google_genai_sdk",
    "ollama": "otelscope.provider_sdks.ollama_sdk",
    "dashscope": "otelscope.provider_sdks.dashscope_sdk",
    "openai": "otelscope.provider_sdks.openai_sdk",
    "anthropic": "otelscope.provider_sdks.anthropic_sdk",
}


def install(patches: Patches) -> None:
    """Install each reader when its SDK is imported (now, if it already is)."""
    install_on_import(patches, _READERS)

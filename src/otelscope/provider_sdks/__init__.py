"""What the provider actually served, read in its SDK, below AgentScope.

One module per SDK; each reports to the traced model call that is running
(``otelscope.core.served``). A reader is installed when its SDK is imported,
by AgentScope or anyone, before or after ``instrument()``: importing the SDKs
here would cost every instrumented process seconds (anthropic and dashscope
take about a second each) for SDKs it may never use. An SDK imported after
``uninstrument()`` is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from types import ModuleType

from wrapt import register_post_import_hook

from otelscope.core.guard import report_internal_error
from otelscope.core.patching import Patches

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
    armed = _Armed()
    patches.defer(armed.disarm)
    for sdk, reader in _READERS.items():
        register_post_import_hook(_installer(armed, sdk, reader, patches), sdk)


class _Armed:
    """Whether the instrumentation that registered the hooks still stands:
    the import system keeps hooks for good, so each checks this first."""

    def __init__(self) -> None:
        self.armed = True

    def disarm(self) -> None:
        self.armed = False


def _installer(
    armed: _Armed, sdk: str, reader: str, patches: Patches
) -> Callable[[ModuleType], None]:
    def install_reader(module: ModuleType) -> None:
        if not armed.armed:
            return
        try:
            import_module(reader).install(patches)
        except Exception:
            report_internal_error(f"instrumenting the {sdk} SDK")

    return install_reader

"""What the provider actually served, read in its SDK, below AgentScope.

One module per SDK; each reports to the traced model call that is running
(``otelscope.core.served``). An SDK that is not installed is skipped.
"""

from __future__ import annotations

from importlib import import_module

from otelscope.core.guard import report_internal_error
from otelscope.core.patching import Patches

# The SDK each module reads, by the SDK's import name.
_READERS = {
    "openai": "otelscope.provider_sdks.openai_sdk",
    "anthropic": "otelscope.provider_sdks.anthropic_sdk",
}


def install(patches: Patches) -> None:
    for sdk, reader in _READERS.items():
        try:
            import_module(sdk)
        except ImportError:
            continue
        try:
            import_module(reader).install(patches)
        except Exception:
            report_internal_error(f"instrumenting the {sdk} SDK")

"""Calls to other processes, read in the protocols' SDKs: MCP and A2A.

Each module reports what its SDK saw to the traced tool or agent call that is
running (``otelscope.core.remote``) and carries the W3C context to the other
side where the installed SDK does not already. A module is installed when
its SDK is imported, before or after ``instrument()`` (see
``otelscope.core.patching.install_on_import``).
"""

from __future__ import annotations

from otelscope.core.patching import Patches, install_on_import

# The module that reads each SDK, by the SDK's import name.
_READERS = {
    "mcp": "otelscope.protocols.mcp_client",
    # The client side only: a process that serves A2A imports no client code.
    "a2a.client": "otelscope.protocols.a2a_client",
}


def install(patches: Patches) -> None:
    """Install each reader when its SDK is imported (now, if it already is)."""
    install_on_import(patches, _READERS)

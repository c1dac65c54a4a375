"""otelscope: truthful OpenTelemetry traces for AgentScope agents.

The names below load on first use (PEP 562), so a process that only needs a
part of otelscope (the command line, a process of ``otelscope run`` that
never imports AgentScope) does not pay for the instrumentation's imports.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from otelscope.version import __version__

if TYPE_CHECKING:
    from otelscope.core.content import CaptureMode
    from otelscope.core.conversation import conversation
    from otelscope.instrumentor import AgentScopeInstrumentor
    from otelscope.protocols.mcp_server import MCPServerInstrumentor

__all__ = [
    "AgentScopeInstrumentor",
    "CaptureMode",
    "MCPServerInstrumentor",
    "__version__",
    "conversation",
]

# Where each public name is defined.
_HOMES = {
    "AgentScopeInstrumentor": "otelscope.instrumentor",
    "CaptureMode": "otelscope.core.content",
    "MCPServerInstrumentor": "otelscope.protocols.mcp_server",
    "conversation": "otelscope.core.conversation",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'otelscope' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

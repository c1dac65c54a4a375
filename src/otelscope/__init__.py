"""otelscope: truthful OpenTelemetry traces for AgentScope agents."""

from otelscope.core.content import CaptureMode
from otelscope.core.conversation import conversation
from otelscope.instrumentor import AgentScopeInstrumentor
from otelscope.protocols.mcp_server import MCPServerInstrumentor
from otelscope.version import __version__

__all__ = [
    "AgentScopeInstrumentor",
    "CaptureMode",
    "MCPServerInstrumentor",
    "__version__",
    "conversation",
]

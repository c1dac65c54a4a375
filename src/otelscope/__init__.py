"""otelscope: truthful OpenTelemetry traces for AgentScope agents."""

from otelscope.instrumentor import AgentScopeInstrumentor
from otelscope.version import __version__

__all__ = ["AgentScopeInstrumentor", "__version__"]

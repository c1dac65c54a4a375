"""MCP servers instrumented in a process of ``otelscope run`` when ``mcp`` is imported.

``child.start`` registers this module with ``install_on_import``, so that a
process that never imports ``mcp`` does not load the instrumentation either.
"""

from __future__ import annotations

from otelscope.cli.pipeline import Pipeline
from otelscope.core.patching import Patches


def install(patches: Patches, pipeline: Pipeline) -> None:
    """An MCP server the run starts continues its client's trace.

    ``patches`` stays empty: the instrumentor keeps its own.
    """
    from otelscope.protocols.mcp_server import MCPServerInstrumentor

    MCPServerInstrumentor().instrument(tracer_provider=pipeline.tracer_provider)

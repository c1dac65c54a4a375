"""An MCP server made with the installed ``mcp`` SDK, unaware of otelscope:
one tool, ``get_weather``, which looks the weather up inside a span of its
own. ``mcp_agent_app.py`` starts it over stdio."""

from __future__ import annotations

from opentelemetry import trace

try:  # mcp 2.x renamed FastMCP to MCPServer
    from mcp.server.mcpserver import MCPServer as Server
except ImportError:
    from mcp.server.fastmcp import FastMCP as Server
from mcp.types import ToolAnnotations

server = Server("weather")


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
def get_weather(city: str) -> str:
    """Get the weather of a city."""
    with trace.get_tracer("weather-server").start_as_current_span("look up weather"):
        return f"Sunny in {city}"


if __name__ == "__main__":
    server.run("stdio")

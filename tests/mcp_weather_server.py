"""An MCP server made with the installed ``mcp`` SDK, run as its own process.

    python tests/mcp_weather_server.py TRANSPORT PORT SPAN_FILE

TRANSPORT is ``stdio``, ``streamable-http`` or ``sse`` (PORT is ignored for
stdio). Every span the process ends is appended to SPAN_FILE as one JSON
line, so the test can join the server's spans to the client's. Its tools:

- ``get_weather(city)``: answers ``Sunny in {city}``, inside a span of its own;
- ``broken_forecast(city)``: raises, which the SDK answers with ``isError``;
- on mcp 1.x, a call of ``forbidden_forecast`` is refused with a JSON-RPC error.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Sequence

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

from otelscope import MCPServerInstrumentor

try:  # mcp 2.x renamed FastMCP to MCPServer
    from mcp.server.mcpserver import MCPServer as Server
except ImportError:
    from mcp.server.fastmcp import FastMCP as Server
from mcp.types import ToolAnnotations


class JsonLinesExporter(SpanExporter):
    """Each span as one JSON line, flushed at once (the test reads them live)."""

    def __init__(self, path: str) -> None:
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the process
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with self._lock:
            for span in spans:
                self._file.write(json.dumps(_record(span)) + "\n")
            self._file.flush()
        return SpanExportResult.SUCCESS


def _record(span: ReadableSpan) -> dict[str, object]:
    return {
        "name": span.name,
        "kind": span.kind.name,
        "trace_id": f"{span.context.trace_id:032x}",
        "span_id": f"{span.context.span_id:016x}",
        "parent_id": f"{span.parent.span_id:016x}" if span.parent else None,
        "attributes": {key: value for key, value in (span.attributes or {}).items()},
        "status": span.status.status_code.name,
        "links": [f"{link.context.span_id:016x}" for link in span.links],
    }


def main(transport: str, port: int, span_file: str) -> None:
    provider = TracerProvider(resource=Resource({"service.name": "weather-mcp"}))
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesExporter(span_file)))
    # mcp 2.x traces its server side with the global provider; on 1.x,
    # otelscope's instrumentor does.
    trace.set_tracer_provider(provider)
    MCPServerInstrumentor().instrument()
    tracer = trace.get_tracer("weather-server")

    server = Server("weather", host="127.0.0.1", port=port) if _takes_host() else Server("weather")
    read_only = ToolAnnotations(readOnlyHint=True)

    @server.tool(annotations=read_only)
    def get_weather(city: str) -> str:
        """Get the weather of a city."""
        with tracer.start_as_current_span("look up weather"):
            return f"Sunny in {city}"

    @server.tool(annotations=read_only)
    def broken_forecast(city: str) -> str:
        """Get tomorrow's weather of a city."""
        raise RuntimeError(f"no forecast for {city}")

    if _takes_host():
        _refuse_forbidden_forecasts(server)
    if transport == "stdio" or _takes_host():
        server.run(transport)
    else:
        server.run(transport, host="127.0.0.1", port=port)


def _refuse_forbidden_forecasts(server: Server) -> None:
    """mcp 1.x: a call of ``forbidden_forecast`` is answered with a JSON-RPC
    error (code -32602), as a server refuses a request it will not run."""
    from mcp.shared.exceptions import McpError
    from mcp.types import CallToolRequest, ErrorData

    handlers = server._mcp_server.request_handlers
    call_tool = handlers[CallToolRequest]

    async def refusing(request: CallToolRequest):  # type: ignore[no-untyped-def]
        if request.params.name == "forbidden_forecast":
            raise McpError(ErrorData(code=-32602, message="forecasts are forbidden"))
        return await call_tool(request)

    handlers[CallToolRequest] = refusing


def _takes_host() -> bool:
    """mcp 1.x's FastMCP takes host and port when made; 2.x's MCPServer at run."""
    return Server.__name__ == "FastMCP"


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])

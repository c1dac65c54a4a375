"""MCP tools on both AgentScope lines, against a real MCP server in its own
process.

The server (``tests/mcp_weather_server.py``, made with the line's ``mcp``
SDK) writes its spans to a file; the test joins them to the client's. Each
line's client classes and transports, and what its SDK puts on the wire,
are in ``tests/v1`` and ``tests/v2``'s ``mcp_client_kit.py``; what only one
line does is in their ``test_mcp.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from opentelemetry.trace import SpanKind, StatusCode

from tests.lines.mcp_calls import clients, run_against_server
from tests.mcp_kit import cross_process_edges, hex_id, named


def endpoint_attributes(port: int | None) -> dict[str, Any]:
    """What the span must say of the transport and endpoint."""
    if port is None:
        return {"network.transport": "pipe"}
    return {"network.transport": "tcp", "server.address": "127.0.0.1", "server.port": port}


@pytest.mark.parametrize("kind", list(clients.CLIENTS))
def test_the_server_spans_of_an_mcp_tool_call_are_children_of_its_execute_tool_span(
    kind: str, traced, loop, tmp_path: Path
) -> None:
    server, port = run_against_server(kind, "get_weather", loop, tmp_path)
    name = clients.agent_tool("get_weather")
    spans = traced.spans()
    (tool,) = [span for span in spans if span.name == f"execute_tool {name}"]
    (agent,) = [span for span in spans if span.name == "invoke_agent Friday"]
    (call,) = named(server, "tools/call get_weather")
    request_id = clients.request_id(kind) or call["attributes"]["jsonrpc.request.id"]
    assert tool.kind is SpanKind.INTERNAL
    assert tool.status.status_code is StatusCode.UNSET
    assert dict(tool.attributes) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": name,
        "gen_ai.tool.type": "function",
        "gen_ai.tool.call.id": "Paris-1-0",
        "gen_ai.tool.description": "Get the weather of a city.",
        "gen_ai.conversation.id": agent.attributes["gen_ai.conversation.id"],
        "mcp.method.name": "tools/call",
        "jsonrpc.request.id": request_id,
        "mcp.protocol.version": clients.PROTOCOL_VERSION,
        **endpoint_attributes(port),
        **clients.session_attributes(kind, tool),
        **clients.permission_attributes(tool),
    }
    assert call["kind"] == "SERVER"
    assert call["parent_id"] == hex_id(tool.context.span_id)
    assert call["attributes"] == {
        "mcp.method.name": "tools/call",
        "jsonrpc.request.id": request_id,
        "mcp.protocol.version": clients.PROTOCOL_VERSION,
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
    }
    # One trace across both processes.
    assert cross_process_edges(spans, server) == clients.expected_edges(kind)


@pytest.mark.parametrize("kind", clients.ERROR_KINDS)
def test_an_mcp_tool_result_marked_is_error_ends_the_span_as_a_tool_error(
    kind: str, traced, loop, tmp_path: Path
) -> None:
    server, _ = run_against_server(kind, "broken_forecast", loop, tmp_path)
    name = clients.agent_tool("broken_forecast")
    (tool,) = [span for span in traced.spans() if span.name == f"execute_tool {name}"]
    assert tool.status.status_code is StatusCode.ERROR
    assert tool.status.description == clients.tool_error_description("broken_forecast")
    assert tool.attributes["error.type"] == "tool_error"
    assert tool.attributes["mcp.method.name"] == "tools/call"
    (call,) = named(server, "tools/call broken_forecast")
    assert call["parent_id"] == hex_id(tool.context.span_id)
    assert call["status"] == "ERROR"
    assert call["attributes"]["error.type"] == "tool_error"


def test_opentelemetry_instrument_finds_the_mcp_server_instrumentor() -> None:
    from importlib.metadata import entry_points

    from otelscope import MCPServerInstrumentor

    (entry,) = [
        ep
        for ep in entry_points(group="opentelemetry_instrumentor")
        if ep.name == "otelscope_mcp_server"
    ]
    assert entry.value == "otelscope:MCPServerInstrumentor"
    assert entry.load() is MCPServerInstrumentor

"""MCP tools on AgentScope 2.x, against a real MCP server in its own process.

2.x has one client class, ``MCPClient``: stateful over stdio, stateful or
stateless over Streamable HTTP, and SSE (a URL ending in ``/sse``). The
server (``tests/mcp_weather_server.py``, made with the ``mcp`` 2.x SDK,
which traces its own server side) writes its spans to a file; the test
joins them to the client's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from agentscope.mcp import HttpMCPConfig, MCPClient, StdioMCPConfig
from agentscope.message import Msg
from agentscope.tool import Toolkit
from opentelemetry.trace import SpanKind, StatusCode

from tests.mcp_kit import (
    HttpServer,
    cross_process_edges,
    hex_id,
    http_server,
    named,
    server_spans,
    stdio_command,
)
from tests.v2.kit import Script, Step, call_with, make_agent, reply_text

# kind: (transport, stateful)
CLIENTS = {
    "stdio": ("stdio", True),
    "streamable-http": ("streamable-http", True),
    "streamable-http stateless": ("streamable-http", False),
    "sse": ("sse", True),
}
TOOL = "mcp__weather__get_weather"


@contextmanager
def mcp_server(kind: str, span_file: Path) -> Iterator[HttpServer | None]:
    transport = CLIENTS[kind][0]
    if transport == "stdio":
        yield None
        return
    with http_server(transport, span_file) as server:
        yield server


async def call_mcp_tool(kind: str, server: HttpServer | None, span_file: Path, tool: str) -> Msg:
    _, stateful = CLIENTS[kind]
    if server is None:
        command, arguments = stdio_command(span_file)
        config: StdioMCPConfig | HttpMCPConfig = StdioMCPConfig(command=command, args=arguments)
    else:
        config = HttpMCPConfig(url=server.url)
    client = MCPClient(name="weather", is_stateful=stateful, mcp_config=config)
    if stateful:
        await client.connect()
    try:
        agent = make_agent(toolkit=Toolkit(mcps=[client]))
        return await call_with(agent, Script("Paris", [Step(tools=[tool]), Step(text="Done")]))
    finally:
        if stateful:
            await client.close()


def run_against_server(kind: str, tool: str, loop, tmp_path: Path) -> tuple[list[dict], int | None]:
    """The server's spans, and its port (None over stdio)."""
    span_file = tmp_path / "server-spans.jsonl"
    server_tool = tool.removeprefix("mcp__weather__")
    with mcp_server(kind, span_file) as server:
        reply = loop.run_until_complete(call_mcp_tool(kind, server, span_file, tool))
        assert reply_text(reply) == "Done"
        spans = server_spans(
            span_file, lambda found: named(found, f"tools/call {server_tool}") != []
        )
        return spans, None if server is None else server.port


@pytest.mark.parametrize("kind", list(CLIENTS))
def test_the_server_spans_of_an_mcp_tool_call_are_children_of_its_execute_tool_span(
    kind: str, traced, loop, tmp_path: Path
) -> None:
    server, port = run_against_server(kind, TOOL, loop, tmp_path)
    spans = traced.spans()
    (tool,) = [span for span in spans if span.name == f"execute_tool {TOOL}"]
    (agent,) = [span for span in spans if span.name == "invoke_agent Friday"]
    endpoint: dict[str, object] = (
        {"network.transport": "pipe"}
        if port is None
        else {"network.transport": "tcp", "server.address": "127.0.0.1", "server.port": port}
    )
    # The SDK's client span of this tools/call is the execute_tool span:
    # mcp 2.x's own attributes (method, request id) land on it.
    (call,) = named(server, "tools/call get_weather")
    assert tool.kind is SpanKind.INTERNAL
    assert tool.status.status_code is StatusCode.UNSET
    assert dict(tool.attributes) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": TOOL,
        "gen_ai.tool.type": "function",
        "gen_ai.tool.call.id": "Paris-1-0",
        "gen_ai.tool.description": "Get the weather of a city.",
        "gen_ai.conversation.id": agent.attributes["gen_ai.conversation.id"],
        "mcp.method.name": "tools/call",
        "jsonrpc.request.id": call["attributes"]["jsonrpc.request.id"],
        # mcp 2.x negotiates the stateless protocol: no session, so no session id.
        "mcp.protocol.version": "2026-07-28",
        **endpoint,
    }
    assert call["kind"] == "SERVER"
    assert call["parent_id"] == hex_id(tool.context.span_id)
    assert call["attributes"] == {
        "mcp.method.name": "tools/call",
        "mcp.protocol.version": "2026-07-28",
        "jsonrpc.request.id": tool.attributes["jsonrpc.request.id"],
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
    }
    assert cross_process_edges(spans, server) == expected_edges(stateful=CLIENTS[kind][1])


def expected_edges(stateful: bool) -> list[tuple[str, str]]:
    """The server's spans in the trace, each with its parent. 2.x lists the
    tools again at every reasoning step and wherever it looks a tool up: each
    listing's server span joins the trace under the span current there (five
    under the agent call, one per round, one in the tool call). A stateless
    client opens a session for each listing (``server/discover`` first) and
    one more for the call itself, which lists the tools again."""
    tool = f"execute_tool {TOOL}"
    listings = [tool] + ["invoke_agent Friday"] * 5 + ["react step"] * 2
    edges = [
        ("look up weather", "tools/call get_weather"),
        ("tools/call get_weather", tool),
        *(("tools/list", parent) for parent in listings),
    ]
    if not stateful:
        edges += [("server/discover", parent) for parent in [*listings, tool]]
        edges.append(("tools/list", tool))
    return sorted(edges)


def test_an_mcp_tool_result_marked_is_error_ends_the_span_as_a_tool_error(
    traced, loop, tmp_path: Path
) -> None:
    tool_name = "mcp__weather__broken_forecast"
    server, _ = run_against_server("stdio", tool_name, loop, tmp_path)
    (tool,) = [span for span in traced.spans() if span.name == f"execute_tool {tool_name}"]
    assert tool.status.status_code is StatusCode.ERROR
    assert tool.attributes["error.type"] == "tool_error"
    assert tool.attributes["mcp.method.name"] == "tools/call"
    (call,) = named(server, "tools/call broken_forecast")
    assert call["parent_id"] == hex_id(tool.context.span_id)
    assert call["status"] == "ERROR"
    assert call["attributes"]["error.type"] == "tool_error"


def test_the_sdk_makes_no_client_span_of_its_own_for_a_traced_tool_call(
    traced, loop, tmp_path: Path
) -> None:
    """mcp 2.x makes its client spans with the global tracer provider: with
    it set to the test's, the only span of the tools/call is execute_tool."""
    from mcp.shared import _otel

    tracer = traced.provider.get_tracer("mcp-python-sdk")
    original = _otel._tracer
    _otel._tracer = tracer
    try:
        run_against_server("stdio", TOOL, loop, tmp_path)
    finally:
        _otel._tracer = original
    names = [span.name for span in traced.spans()]
    assert f"execute_tool {TOOL}" in names
    assert "MCP send tools/call get_weather" not in names
    # The SDK's spans of other requests are its own, and stay.
    assert "MCP send tools/list" in names

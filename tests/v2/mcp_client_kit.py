"""What the shared MCP tests (``tests/lines/test_mcp.py``) need of AgentScope
2.x: its one client class, ``MCPClient``, stateful over stdio, stateful or
stateless over Streamable HTTP, and SSE (a URL ending in ``/sse``); and what
the ``mcp`` 2.x SDK, which traces its own server side, puts on the wire."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentscope.mcp import HttpMCPConfig, MCPClient, StdioMCPConfig
from agentscope.message import Msg
from agentscope.tool import Toolkit

from tests.mcp_kit import HttpServer, stdio_command
from tests.v2.kit import Script, Step, call_with, make_agent

# kind: (transport, stateful)
CLIENTS = {
    "stdio": ("stdio", True),
    "streamable-http": ("streamable-http", True),
    "streamable-http stateless": ("streamable-http", False),
    "sse": ("sse", True),
}
# The kinds a tool result marked ``isError`` is tried over.
ERROR_KINDS = ["stdio"]
# mcp 2.x negotiates the stateless protocol: no session, so no session id.
PROTOCOL_VERSION = "2026-07-28"


def server_transport(kind: str) -> str:
    """How the server of ``kind`` serves: ``stdio``, ``streamable-http`` or ``sse``."""
    return CLIENTS[kind][0]


def is_stateful(kind: str) -> bool:
    return CLIENTS[kind][1]


def agent_tool(name: str) -> str:
    """The name the agent knows the server's tool ``name`` by: 2.x prefixes
    it with the client's name."""
    return f"mcp__weather__{name}"


async def call_mcp_tool(kind: str, server: HttpServer | None, span_file: Path, tool: str) -> Msg:
    """One agent call whose model asks for ``tool``, which the MCP server runs."""
    stateful = is_stateful(kind)
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


def request_id(kind: str) -> str | None:
    """The JSON-RPC id of the tools/call: 2.x lists the tools again at every
    step, so the id is whatever the session had come to (None: the one the
    server saw, which the tool span must name)."""
    return None


def session_attributes(kind: str, span: Any) -> dict[str, Any]:
    """What the tool span says of the MCP session: nothing, the stateless
    protocol has none."""
    return {}


def permission_attributes(span: Any) -> dict[str, Any]:
    """The permission decision on the tool span: an MCP tool that declares
    itself read-only is allowed by 2.x's read-only rule (the wait measured)."""
    waited = span.attributes["otelscope.permission.wait_duration"]
    assert isinstance(waited, float) and waited >= 0
    return {
        "otelscope.permission.decision": "allow",
        "otelscope.permission.decided_by": "policy",
        "otelscope.permission.reason": "Read-only operations are auto-allowed",
        "otelscope.permission.mode": "default",
        "otelscope.permission.wait_duration": waited,
    }


def expected_edges(kind: str) -> list[tuple[str, str]]:
    """The server's spans in the trace, each with its parent. 2.x lists the
    tools again at every reasoning step and wherever it looks a tool up: each
    listing's server span joins the trace under the span current there (five
    under the agent call, one per round, one in the tool call). A stateless
    client opens a session for each listing (``server/discover`` first) and
    one more for the call itself, which lists the tools again."""
    tool = f"execute_tool {agent_tool('get_weather')}"
    listings = [tool] + ["invoke_agent Friday"] * 5 + ["react step"] * 2
    edges = [
        ("look up weather", "tools/call get_weather"),
        ("tools/call get_weather", tool),
        *(("tools/list", parent) for parent in listings),
    ]
    if not is_stateful(kind):
        edges += [("server/discover", parent) for parent in [*listings, tool]]
        edges.append(("tools/list", tool))
    return sorted(edges)


def tool_error_description(name: str) -> str:
    """The status description of the tool span of a result marked ``isError``
    by the server's tool ``name``: mcp 2.x leaves out the message of an
    error the tool did not mean to show."""
    return f"Error executing tool {name}"

"""What the shared MCP tests (``tests/lines/test_mcp.py``) need of AgentScope
1.x: every 1.x MCP client class and transport, ``StdIOStatefulClient``
(stdio), ``HttpStatefulClient`` and ``HttpStatelessClient`` (Streamable HTTP
and SSE), and what the ``mcp`` 1.x SDK puts on the wire."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from agentscope.mcp import HttpStatefulClient, HttpStatelessClient, StdIOStatefulClient
from agentscope.message import Msg
from agentscope.tool import Toolkit

from tests.mcp_kit import HttpServer, stdio_command
from tests.v1.kit import Script, Step, call_with, make_agent

# (client class, transport): every way 1.x reaches an MCP server.
CLIENTS = {
    "stdio": (StdIOStatefulClient, "stdio"),
    "streamable-http": (HttpStatefulClient, "streamable_http"),
    "sse": (HttpStatefulClient, "sse"),
    "streamable-http stateless": (HttpStatelessClient, "streamable_http"),
    "sse stateless": (HttpStatelessClient, "sse"),
}
# The kinds a tool result marked ``isError`` is tried over.
ERROR_KINDS = ["stdio", "streamable-http stateless"]
# The MCP protocol version the ``mcp`` 1.x SDK negotiates.
PROTOCOL_VERSION = "2025-11-25"
SESSION_ID = re.compile(r"[0-9a-f]{32}")


def server_transport(kind: str) -> str:
    """How the server of ``kind`` serves: ``stdio``, ``streamable-http`` or ``sse``."""
    return CLIENTS[kind][1].replace("_", "-")


def is_stateful(kind: str) -> bool:
    return CLIENTS[kind][0] is not HttpStatelessClient


def agent_tool(name: str) -> str:
    """The name the agent knows the server's tool ``name`` by: its own."""
    return name


async def call_mcp_tool(kind: str, server: HttpServer | None, span_file: Path, tool: str) -> Msg:
    """One agent call whose model asks for ``tool``, which the MCP server runs."""
    client_class, transport = CLIENTS[kind]
    client: Any
    if client_class is StdIOStatefulClient:
        command, arguments = stdio_command(span_file)
        client = StdIOStatefulClient(name="weather", command=command, args=arguments)
    else:
        assert server is not None
        client = client_class(name="weather", transport=transport, url=server.url)
    stateful = is_stateful(kind)
    if stateful:
        await client.connect()
    try:
        toolkit = Toolkit()
        await toolkit.register_mcp_client(client)
        agent = make_agent(toolkit=toolkit)
        return await call_with(agent, Script("Paris", [Step(tools=[tool]), Step(text="Done")]))
    finally:
        if stateful:
            await client.close()


def request_id(kind: str) -> str | None:
    """The JSON-RPC id of the tools/call: a stateful session sent initialize
    (0) and tools/list (1) before; a stateless client opens a session per
    call: initialize (0), then this."""
    return "2" if is_stateful(kind) else "1"


def permission_attributes(span: Any) -> dict[str, Any]:
    """The permission decision on the tool span: 1.x has no permissions."""
    return {}


def session_attributes(kind: str, span: Any) -> dict[str, Any]:
    """What the tool span says of the MCP session: the id the server
    assigned to it (only Streamable HTTP has one)."""
    if not kind.startswith("streamable-http"):
        return {}
    assert SESSION_ID.fullmatch(span.attributes["mcp.session.id"])
    return {"mcp.session.id": span.attributes["mcp.session.id"]}


def expected_edges(kind: str) -> list[tuple[str, str]]:
    """The server's spans in the trace, each with its parent, sorted. The
    stateless client's own session also lists the tools after the call (the
    SDK checks the result's schema)."""
    edges = [
        ("look up weather", "tools/call get_weather"),
        ("tools/call get_weather", "execute_tool get_weather"),
    ]
    if not is_stateful(kind):
        edges.append(("tools/list", "execute_tool get_weather"))
    return sorted(edges)


def tool_error_description(name: str) -> str:
    """The status description of the tool span of a result marked ``isError``
    by the server's tool ``name``: its message included."""
    return f"Error executing tool {name}: no forecast for Paris"

"""MCP tool calls on either AgentScope line: a real agent of the line calls a
tool of a real MCP server in its own process (``tests/mcp_kit.py``), through
the line's client (``tests/v1`` and ``tests/v2``'s ``mcp_client_kit.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.lines.line import kit, line_kit
from tests.mcp_kit import HttpServer, http_server, named, server_spans

# The line's MCP clients: which there are, and what they put on the wire.
clients = line_kit("mcp_client_kit")


@contextmanager
def mcp_server(kind: str, span_file: Path) -> Iterator[HttpServer | None]:
    """An HTTP server for the HTTP kinds; for stdio, the client starts it."""
    transport = clients.server_transport(kind)
    if transport == "stdio":
        yield None
        return
    with http_server(transport, span_file) as server:
        yield server


def run_against_server(kind: str, tool: str, loop, tmp_path: Path) -> tuple[list[dict], int | None]:
    """The server's spans once it ran its ``tool``, and its port (None over stdio)."""
    span_file = tmp_path / "server-spans.jsonl"
    with mcp_server(kind, span_file) as server:
        reply = loop.run_until_complete(
            clients.call_mcp_tool(kind, server, span_file, clients.agent_tool(tool))
        )
        assert kit.reply_text(reply) == "Done"
        assert len(reply.content) == 1
        spans = server_spans(span_file, lambda found: named(found, f"tools/call {tool}") != [])
        return spans, None if server is None else server.port

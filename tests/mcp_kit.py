"""Real MCP servers for the tests: ``tests/mcp_weather_server.py`` as its own
process, over stdio (started by the MCP client under test) or HTTP (started
here on a free loopback port), and the spans that process wrote."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVER = str(Path(__file__).with_name("mcp_weather_server.py"))
# Waiting for a process to come up or to write its spans: the outcome never
# depends on how long it takes, only a process that never does fails.
_PATIENCE = 60.0


def stdio_command(span_file: Path) -> tuple[str, list[str]]:
    """The command and arguments that start the server over stdio."""
    return sys.executable, [SERVER, "stdio", "0", str(span_file)]


@dataclass
class HttpServer:
    url: str
    port: int


@contextmanager
def http_server(transport: str, span_file: Path) -> Iterator[HttpServer]:
    """The server over ``streamable-http`` or ``sse`` on a free loopback port."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, SERVER, transport, str(port), str(span_file)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: _accepts(port) or process.poll() is not None, "the MCP server to listen")
        assert process.poll() is None, f"the MCP server exited with {process.returncode}"
        path = "/mcp" if transport == "streamable-http" else "/sse"
        yield HttpServer(f"http://127.0.0.1:{port}{path}", port)
    finally:
        process.terminate()
        process.wait(timeout=_PATIENCE)


def server_spans(span_file: Path, until: Callable[[list[dict[str, Any]]], bool]) -> list[dict]:
    """The spans the server process wrote, once ``until`` holds for them (a
    server span ends just after its response is sent, so it may be written
    a moment after the client has the answer)."""
    found: list[dict[str, Any]] = []

    def written() -> bool:
        nonlocal found
        text = span_file.read_text(encoding="utf-8") if span_file.exists() else ""
        found = [json.loads(line) for line in text.splitlines() if line.strip()]
        return until(found)

    _wait_for(written, "the MCP server's spans")
    return found


def named(spans: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [span for span in spans if span["name"] == name]


def hex_id(span_id: int) -> str:
    return f"{span_id:016x}"


def hex_trace(trace_id: int) -> str:
    return f"{trace_id:032x}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + _PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def cross_process_edges(client_spans: list[Any], server: list[dict[str, Any]]) -> list[tuple]:
    """(span, its parent) by name for every server span in the client's
    trace, sorted; the parent may be in either process. Fails on a server
    span of that trace whose parent is in neither (a broken link)."""
    trace_ids = {hex_trace(span.context.trace_id) for span in client_spans}
    assert len(trace_ids) == 1, f"the client made {len(trace_ids)} traces"
    (trace_id,) = trace_ids
    names = {hex_id(span.context.span_id): span.name for span in client_spans}
    names.update({span["span_id"]: span["name"] for span in server})
    edges = []
    for span in server:
        if span["trace_id"] != trace_id:
            continue
        assert span["parent_id"] in names, f"{span['name']} has a parent in no process"
        edges.append((span["name"], names[span["parent_id"]]))
    return sorted(edges)

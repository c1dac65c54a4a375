"""MCP tools on AgentScope 1.x, against a real MCP server in its own process.

Every 1.x MCP client class and transport: ``StdIOStatefulClient`` (stdio),
``HttpStatefulClient`` and ``HttpStatelessClient`` (Streamable HTTP and SSE).
The server (``tests/mcp_weather_server.py``, made with the ``mcp`` 1.x SDK)
writes its spans to a file; the test joins them to the client's.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from agentscope.mcp import HttpStatefulClient, HttpStatelessClient, StdIOStatefulClient
from agentscope.message import Msg
from agentscope.tool import Toolkit
from opentelemetry import baggage, context, trace
from opentelemetry.trace import SpanKind, StatusCode

from otelscope.protocols.mcp_client import with_context
from tests.mcp_kit import (
    HttpServer,
    cross_process_edges,
    hex_id,
    http_server,
    named,
    server_spans,
    stdio_command,
)
from tests.v1.kit import Script, Step, call_with, make_agent

# (client class, transport): every way 1.x reaches an MCP server.
CLIENTS = {
    "stdio": (StdIOStatefulClient, "stdio"),
    "streamable-http": (HttpStatefulClient, "streamable_http"),
    "sse": (HttpStatefulClient, "sse"),
    "streamable-http stateless": (HttpStatelessClient, "streamable_http"),
    "sse stateless": (HttpStatelessClient, "sse"),
}
SESSION_ID = re.compile(r"[0-9a-f]{32}")


@contextmanager
def mcp_server(kind: str, span_file: Path) -> Iterator[HttpServer | None]:
    """An HTTP server for the HTTP kinds; for stdio, the client starts it."""
    transport = CLIENTS[kind][1]
    if transport == "stdio":
        with nullcontext():
            yield None
        return
    with http_server(transport.replace("_", "-"), span_file) as server:
        yield server


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
    stateful = client_class is not HttpStatelessClient
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


def run_against_server(kind: str, tool: str, loop, tmp_path: Path) -> tuple[list[dict], int | None]:
    """The server's spans, and its port (None over stdio)."""
    span_file = tmp_path / "server-spans.jsonl"
    with mcp_server(kind, span_file) as server:
        reply = loop.run_until_complete(call_mcp_tool(kind, server, span_file, tool))
        assert reply.content == [{"type": "text", "text": "Done"}]
        spans = server_spans(span_file, lambda spans: named(spans, f"tools/call {tool}") != [])
        return spans, None if server is None else server.port


def endpoint_attributes(kind: str, port: int | None, span: Any) -> dict[str, Any]:
    """What the span must say of the transport, endpoint and session."""
    if kind == "stdio":
        return {"network.transport": "pipe"}
    found = {"network.transport": "tcp", "server.address": "127.0.0.1", "server.port": port}
    if kind.startswith("streamable-http"):
        # The id the server assigned to the session (only Streamable HTTP has one).
        assert SESSION_ID.fullmatch(span.attributes["mcp.session.id"])
        found["mcp.session.id"] = span.attributes["mcp.session.id"]
    return found


@pytest.mark.parametrize("kind", list(CLIENTS))
def test_the_server_spans_of_an_mcp_tool_call_are_children_of_its_execute_tool_span(
    kind: str, traced, loop, tmp_path: Path
) -> None:
    server, port = run_against_server(kind, "get_weather", loop, tmp_path)
    spans = traced.spans()
    (tool,) = [span for span in spans if span.name == "execute_tool get_weather"]
    (agent,) = [span for span in spans if span.name == "invoke_agent Friday"]
    stateless = kind.endswith("stateless")
    # A stateful session sent initialize (0) and tools/list (1) before;
    # a stateless client opens a session per call: initialize (0), then this.
    request_id = "1" if stateless else "2"
    assert tool.kind is SpanKind.INTERNAL
    assert tool.status.status_code is StatusCode.UNSET
    assert dict(tool.attributes) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.type": "function",
        "gen_ai.tool.call.id": "Paris-1-0",
        "gen_ai.tool.description": "Get the weather of a city.",
        "gen_ai.conversation.id": agent.attributes["gen_ai.conversation.id"],
        "mcp.method.name": "tools/call",
        "jsonrpc.request.id": request_id,
        "mcp.protocol.version": "2025-11-25",
        **endpoint_attributes(kind, port, tool),
    }
    (call,) = named(server, "tools/call get_weather")
    assert call["kind"] == "SERVER"
    assert call["parent_id"] == hex_id(tool.context.span_id)
    assert call["attributes"] == {
        "mcp.method.name": "tools/call",
        "jsonrpc.request.id": request_id,
        "mcp.protocol.version": "2025-11-25",
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
    }
    # One trace across both processes; the stateless client's own session
    # also lists the tools after the call (the SDK checks the result's schema).
    expected = [
        ("look up weather", "tools/call get_weather"),
        ("tools/call get_weather", "execute_tool get_weather"),
    ]
    if stateless:
        expected.append(("tools/list", "execute_tool get_weather"))
    assert cross_process_edges(spans, server) == sorted(expected)


@pytest.mark.parametrize("kind", ["stdio", "streamable-http stateless"])
def test_an_mcp_tool_result_marked_is_error_ends_the_span_as_a_tool_error(
    kind: str, traced, loop, tmp_path: Path
) -> None:
    server, _ = run_against_server(kind, "broken_forecast", loop, tmp_path)
    (tool,) = [span for span in traced.spans() if span.name == "execute_tool broken_forecast"]
    assert tool.status.status_code is StatusCode.ERROR
    assert tool.status.description == (
        "Error executing tool broken_forecast: no forecast for Paris"
    )
    assert tool.attributes["error.type"] == "tool_error"
    assert tool.attributes["mcp.method.name"] == "tools/call"
    (call,) = named(server, "tools/call broken_forecast")
    assert call["parent_id"] == hex_id(tool.context.span_id)
    assert call["status"] == "ERROR"
    assert call["attributes"]["error.type"] == "tool_error"


# -- the context in params._meta (mcp 1.x sends none of its own) ---------------


def test_the_context_goes_into_params_meta_next_to_what_the_caller_set(traced) -> None:
    from mcp import types

    request = types.ClientRequest(
        types.CallToolRequest(
            params=types.CallToolRequestParams(
                name="get_weather",
                arguments={"city": "Paris"},
                _meta=types.RequestParams.Meta(progressToken=7, **{"com.example/tenant": "blue"}),
            )
        )
    )
    tracer = traced.provider.get_tracer("test")
    with tracer.start_as_current_span("caller") as span:
        token = context.attach(baggage.set_baggage("user", "alice"))
        try:
            sent = with_context(request)
        finally:
            context.detach(token)
    ids = span.get_span_context()
    meta = sent.root.params.meta.model_dump()
    assert meta == {
        "progressToken": 7,
        "com.example/tenant": "blue",
        "traceparent": f"00-{ids.trace_id:032x}-{ids.span_id:016x}-{ids.trace_flags:02x}",
        "baggage": "user=alice",
    }
    # The caller's request is left as it was.
    assert request.root.params.meta.model_dump() == {
        "progressToken": 7,
        "com.example/tenant": "blue",
    }


def test_a_traceparent_the_caller_set_is_kept_and_nothing_is_added(traced) -> None:
    from mcp import types

    theirs = "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01"
    request = types.ClientRequest(
        types.PingRequest(
            params=types.RequestParams(_meta=types.RequestParams.Meta(traceparent=theirs))
        )
    )
    with traced.provider.get_tracer("test").start_as_current_span("caller"):
        sent = with_context(request)
    assert sent is request


def test_a_request_without_params_gets_them_for_the_context(traced) -> None:
    from mcp import types

    request = types.ClientRequest(types.ListToolsRequest())
    with traced.provider.get_tracer("test").start_as_current_span("caller") as span:
        sent = with_context(request)
    ids = span.get_span_context()
    assert sent.root.params.meta.model_dump(exclude_none=True) == {
        "traceparent": f"00-{ids.trace_id:032x}-{ids.span_id:016x}-{ids.trace_flags:02x}"
    }
    assert request.root.params is None


def test_nothing_is_added_outside_any_trace() -> None:
    from mcp import types

    request = types.ClientRequest(types.ListToolsRequest())
    assert trace.get_current_span().get_span_context().is_valid is False
    assert with_context(request) is request


def test_overlapping_calls_on_one_session_each_get_their_own_request(
    traced, loop, tmp_path: Path
) -> None:
    """Three calls of one agent at once, over one stdio session: each tool
    span names its own request, and the server span of that request is its
    child."""
    span_file = tmp_path / "server-spans.jsonl"
    command, arguments = stdio_command(span_file)
    cities = ["Paris", "Oslo", "Lima"]

    async def three_calls() -> list[Msg]:
        client = StdIOStatefulClient(name="weather", command=command, args=arguments)
        await client.connect()
        try:
            toolkit = Toolkit()
            await toolkit.register_mcp_client(client)
            agent = make_agent(toolkit=toolkit)

            async def one(city: str) -> Msg:
                return await call_with(
                    agent, Script(city, [Step(tools=["get_weather"]), Step(text=city)])
                )

            return await asyncio.gather(*(one(city) for city in cities))
        finally:
            await client.close()

    replies = loop.run_until_complete(three_calls())
    assert [reply.content for reply in replies] == [
        [{"type": "text", "text": city}] for city in cities
    ]
    server = server_spans(span_file, lambda spans: len(named(spans, "tools/call get_weather")) == 3)
    tools = {
        span.attributes["gen_ai.tool.call.id"]: span
        for span in traced.spans()
        if span.name == "execute_tool get_weather"
    }
    assert sorted(tools) == ["Lima-1-0", "Oslo-1-0", "Paris-1-0"]
    # Requests 0 and 1 were initialize and tools/list; the calls took 2 to 4.
    request_ids = sorted(span.attributes["jsonrpc.request.id"] for span in tools.values())
    assert request_ids == ["2", "3", "4"]
    by_request = {
        call["attributes"]["jsonrpc.request.id"]: call
        for call in named(server, "tools/call get_weather")
    }
    for span in tools.values():
        call = by_request[span.attributes["jsonrpc.request.id"]]
        assert call["parent_id"] == hex_id(span.context.span_id)
        assert call["trace_id"] == f"{span.context.trace_id:032x}"


def test_a_json_rpc_error_names_the_error_by_its_code_on_both_sides(
    traced, loop, tmp_path: Path
) -> None:
    """A server that refuses the call with a JSON-RPC error (-32602): 1.x
    turns the exception into an answer text; both spans fail with the code
    as ``error.type``, as the MCP conventions say."""
    span_file = tmp_path / "server-spans.jsonl"

    async def call() -> Msg:
        command, arguments = stdio_command(span_file)
        client = StdIOStatefulClient(name="weather", command=command, args=arguments)
        await client.connect()
        try:
            toolkit = Toolkit()
            await toolkit.register_mcp_client(client)
            # The server lists no such tool: register the client's function for it.
            function = await client.get_callable_function("get_weather", wrap_tool_result=True)
            function.name = "forbidden_forecast"
            toolkit.register_tool_function(function)
            agent = make_agent(toolkit=toolkit)
            script = Script("Paris", [Step(tools=["forbidden_forecast"]), Step(text="Done")])
            return await call_with(agent, script)
        finally:
            await client.close()

    loop.run_until_complete(call())
    server = server_spans(span_file, lambda spans: named(spans, "tools/call forbidden_forecast"))
    (tool,) = [span for span in traced.spans() if span.name == "execute_tool forbidden_forecast"]
    assert tool.status.status_code is StatusCode.ERROR
    assert tool.attributes["error.type"] == "-32602"
    assert tool.attributes["rpc.response.status_code"] == "-32602"
    (duration,) = traced.metrics()["gen_ai.execute_tool.duration"]
    assert duration.attributes["error.type"] == "-32602"
    (call,) = named(server, "tools/call forbidden_forecast")
    assert call["parent_id"] == hex_id(tool.context.span_id)
    assert call["status"] == "ERROR"
    assert call["attributes"]["error.type"] == "-32602"
    assert call["attributes"]["rpc.response.status_code"] == "-32602"


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

"""MCP tools on AgentScope 1.x: what only 1.x does. otelscope puts the
context into ``params._meta`` (mcp 1.x sends none of its own); one stdio
session serves overlapping calls; a JSON-RPC error answers a call. The server
(``tests/mcp_weather_server.py``, made with the ``mcp`` 1.x SDK) writes its
spans to a file; the test joins them to the client's. The tests both lines
share, over every 1.x client class and transport, are in
``tests/lines/test_mcp.py``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from agentscope.mcp import StdIOStatefulClient
from agentscope.message import Msg
from agentscope.tool import Toolkit
from opentelemetry import baggage, context, trace
from opentelemetry.trace import StatusCode

from otelscope.protocols.mcp_client import with_context
from tests.mcp_kit import hex_id, named, server_spans, stdio_command
from tests.v1.kit import Script, Step, call_with, make_agent

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

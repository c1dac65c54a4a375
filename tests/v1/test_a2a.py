"""AgentScope 1.x agents reached over A2A: one trace across processes.

A real ``A2AAgent`` calls a real a2a-sdk server on loopback
(``tests.a2a_server``), whose executor runs a real ``ReActAgent``. The
client's ``invoke_agent`` span is a CLIENT span with the A2A facts read in
the SDK, the request carries its context, and the server's span (Starlette's
own tracing) and the remote agent's spans are in the same trace under it.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import pytest

pytest.importorskip("a2a", reason="a2a-sdk (AgentScope's a2a extra) is not installed")

import httpx
from a2a.client import ClientConfig, ClientFactory
from a2a.client.errors import A2AClientHTTPError, A2AClientJSONRPCError
from a2a.client.helpers import create_text_message_object
from agentscope.agent import A2AAgent
from agentscope.message import Msg, TextBlock
from agentscope.tool import Toolkit, ToolResponse
from opentelemetry import baggage
from opentelemetry import context as otel_context
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from otelscope.core.patching import ORIGINAL_ATTRIBUTE
from tests.a2a_server import (
    CANCELED,
    CARD_DESCRIPTION,
    CARD_NAME,
    CARD_VERSION,
    COMPLETED,
    ERROR,
    FAILED,
    PROTOCOL_VERSION,
    UNSUPPORTED_OPERATION,
    Received,
    Server,
    card,
)
from tests.serving import callers, served
from tests.spantree import Node, build_trees
from tests.v1.kit import Script, Step, call_with, make_agent, one_tool_round, run_id

CLIENT_SPAN = f"invoke_agent {CARD_NAME}"
SERVER_SPAN = "POST /"
# The served ReActAgent's call: one tool round, then the answer.
SERVED_AGENT = (
    "invoke_agent Friday",
    [
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", [])]),
    ],
)


def tool_round_answer(text: str) -> Any:
    """The server's answer: a fresh ReActAgent with one tool round for the
    city the question names ("Weather in paris?" -> "Done paris")."""
    return call_with(make_agent(), one_tool_round(text.rsplit(maxsplit=1)[-1].rstrip("?")), text)


def direct_answer(answer: str) -> Any:
    """A server's answer without tools: the agent just says ``answer``."""

    def run(text: str) -> Any:
        return call_with(make_agent(), Script("direct", [Step(text=answer)]), text)

    return run


def server_with(answer: Any, outcome: str = COMPLETED) -> Server:
    async def text_of(question: str) -> str:
        reply = await answer(question)
        return reply.get_text_content() or ""

    return Server(text_of, outcome)


def ask(
    traced: Any,
    server: Server,
    question: str = "Weather in paris?",
    streaming: bool = True,
    client_config: ClientConfig | None = None,
) -> tuple[A2AAgent, Msg, int]:
    """One call of an ``A2AAgent`` of the served agent: the agent, its
    reply and the server's port. The server has stopped on return, so every
    span of it has ended."""
    with served(server.app(traced.provider)) as url:
        agent = A2AAgent(card(f"{url}/", streaming), client_config=client_config)
        reply = asyncio.run(agent(Msg("user", question, "user")))
    port = urlsplit(url).port
    assert port is not None
    return agent, reply, port


def client_attributes(
    agent: A2AAgent,
    received: Received,
    port: int,
    method: str = "SendStreamingMessage",
    state: str = "TASK_STATE_COMPLETED",
) -> dict[str, Any]:
    """The client span's attributes for the message the server received."""
    return {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": CARD_NAME,
        "gen_ai.agent.id": agent.id,
        "gen_ai.agent.description": CARD_DESCRIPTION,
        "gen_ai.agent.version": CARD_VERSION,
        "gen_ai.conversation.id": received.context_id,
        "a2a.method.name": method,
        "a2a.message.id": received.message_id,
        "a2a.task.id": received.task_id,
        "a2a.task.state": state,
        "a2a.protocol.version": PROTOCOL_VERSION,
        "server.address": "127.0.0.1",
        "server.port": port,
    }


def traceparent_of(span: ReadableSpan) -> str:
    context = span.context
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


def assert_continued(tree: Node, server: Server, received: Received) -> None:
    """The server span is the client span's child, received remotely, and
    the executor ran under it; the request carried the client span."""
    client = tree.span
    [server_node] = tree.children
    assert server_node.name == SERVER_SPAN
    assert server_node.span.kind == SpanKind.SERVER
    parent = server_node.span.parent
    assert parent is not None
    assert parent.is_remote
    assert (parent.trace_id, parent.span_id) == (client.context.trace_id, client.context.span_id)
    assert (received.trace_id, received.span_id) == (
        client.context.trace_id,
        server_node.span.context.span_id,
    )
    assert server.headers[0]["traceparent"] == traceparent_of(client)


@pytest.mark.parametrize(
    ("streaming", "method"), [(True, "SendStreamingMessage"), (False, "SendMessage")]
)
def test_a_remote_agent_call_is_one_trace(traced, streaming: bool, method: str) -> None:
    server = server_with(tool_round_answer)
    agent, reply, port = ask(traced, server, streaming=streaming)

    assert reply.get_text_content() == "Done paris"
    [tree] = build_trees(traced.spans())
    assert tree.shape() == (CLIENT_SPAN, [(SERVER_SPAN, [SERVED_AGENT])])
    [received] = server.received
    assert received.text == "Weather in paris?"
    assert tree.span.kind == SpanKind.CLIENT
    assert tree.status == StatusCode.UNSET
    assert tree.attributes == client_attributes(agent, received, port, method)
    assert_continued(tree, server, received)
    [headers] = server.headers
    assert "tracestate" not in headers
    assert "baggage" not in headers


def test_overlapping_calls_each_report_their_own_exchange(traced) -> None:
    server = server_with(tool_round_answer)
    cities = [f"city{i}" for i in range(4)]
    with served(server.app(traced.provider)) as url:
        agents = [A2AAgent(card(f"{url}/")) for _ in cities]

        async def main() -> list[Msg]:
            return await asyncio.gather(
                *(
                    agent(Msg("user", f"Weather in {city}?", "user"))
                    for agent, city in zip(agents, cities, strict=True)
                )
            )

        replies = asyncio.run(main())
    port = urlsplit(url).port
    assert port is not None

    assert [r.get_text_content() for r in replies] == [f"Done {city}" for city in cities]
    trees = build_trees(traced.spans())
    assert len(trees) == len(cities)
    by_trace = {r.trace_id: r for r in server.received}
    by_agent = {a.id: a for a in agents}
    asked = []
    for tree in trees:
        assert tree.shape() == (CLIENT_SPAN, [(SERVER_SPAN, [SERVED_AGENT])])
        received = by_trace[tree.span.context.trace_id]
        agent = by_agent[tree.attributes["gen_ai.agent.id"]]
        assert tree.attributes == client_attributes(agent, received, port)
        asked.append((agent.id, received.text))
    expected = {(a.id, f"Weather in {city}?") for a, city in zip(agents, cities, strict=True)}
    assert set(asked) == expected
    assert len({r.message_id for r in server.received}) == len(cities)


def test_a_failed_task_fails_the_call(traced) -> None:
    server = server_with(direct_answer("No forecast for paris"), FAILED)
    agent, reply, port = ask(traced, server)

    # AgentScope answers with the failed task's status message.
    assert reply.get_text_content() == "No forecast for paris"
    [tree] = build_trees(traced.spans())
    served_agent = ("invoke_agent Friday", [("react step", [("chat scripted-model", [])])])
    assert tree.shape() == (CLIENT_SPAN, [(SERVER_SPAN, [served_agent])])
    [received] = server.received
    assert tree.attributes == {
        **client_attributes(agent, received, port, state="TASK_STATE_FAILED"),
        "error.type": "TASK_STATE_FAILED",
    }
    assert tree.span.status.status_code == StatusCode.ERROR
    assert tree.span.status.description == "No forecast for paris"
    assert tree.span.events == ()
    assert_continued(tree, server, received)
    points = traced.metrics()["gen_ai.invoke_agent.duration"]
    assert sorted(tuple(sorted(dict(p.attributes).items())) for p in points) == [
        (("error.type", "TASK_STATE_FAILED"), ("gen_ai.agent.name", CARD_NAME)),
        (("gen_ai.agent.name", "Friday"), ("gen_ai.request.model", "scripted-model")),
    ]


def test_a_task_the_remote_agent_canceled_is_recorded_as_it_ended(traced) -> None:
    """1.x answers a canceled task like any other: the call completed."""
    server = server_with(direct_answer("Stopped"), CANCELED)
    agent, reply, port = ask(traced, server)

    assert reply.get_text_content() == "Stopped"
    [tree] = build_trees(traced.spans())
    [received] = server.received
    assert tree.attributes == client_attributes(agent, received, port, state="TASK_STATE_CANCELED")
    assert tree.status == StatusCode.UNSET


@pytest.mark.parametrize("streaming", [True, False])
def test_a_json_rpc_error_fails_the_call_with_its_code(traced, streaming: bool) -> None:
    server = server_with(tool_round_answer, ERROR)
    with served(server.app(traced.provider)) as url:
        agent = A2AAgent(card(f"{url}/", streaming))
        with pytest.raises(A2AClientJSONRPCError) as raised:
            asyncio.run(agent(Msg("user", "Weather in paris?", "user")))
    assert raised.value.error.code == UNSUPPORTED_OPERATION

    [tree] = build_trees(traced.spans())
    # The server refused before any agent ran.
    assert tree.shape() == (CLIENT_SPAN, [(SERVER_SPAN, [])])
    [received] = server.received
    assert tree.attributes == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": CARD_NAME,
        "gen_ai.agent.id": agent.id,
        "gen_ai.agent.description": CARD_DESCRIPTION,
        "gen_ai.agent.version": CARD_VERSION,
        # No answer named a context: the conversation the call started in.
        "gen_ai.conversation.id": run_id(),
        "a2a.method.name": "SendStreamingMessage" if streaming else "SendMessage",
        "a2a.message.id": received.message_id,
        "a2a.protocol.version": PROTOCOL_VERSION,
        "server.address": "127.0.0.1",
        "server.port": urlsplit(url).port,
        "rpc.response.status_code": str(UNSUPPORTED_OPERATION),
        "error.type": "a2a.client.errors.A2AClientJSONRPCError",
    }
    assert tree.span.status.status_code == StatusCode.ERROR
    assert [event.name for event in tree.span.events] == ["exception"]
    assert_continued(tree, server, received)


def test_a_callers_trace_context_is_kept_and_the_rest_is_added(traced) -> None:
    """Headers the caller set on its HTTP client are sent as they are; the
    baggage it did not set still goes with the request."""
    [caller] = callers(1, seed=7)
    http = httpx.AsyncClient(
        headers={"traceparent": caller.traceparent, "tracestate": "caller=1"},
        timeout=60,
        trust_env=False,
    )
    server = server_with(tool_round_answer)
    token = otel_context.attach(baggage.set_baggage("tenant", "acme"))
    try:
        agent, _, port = ask(traced, server, client_config=ClientConfig(httpx_client=http))
    finally:
        otel_context.detach(token)

    [headers] = server.headers
    assert (headers["traceparent"], headers["tracestate"]) == (caller.traceparent, "caller=1")
    assert headers["baggage"] == "tenant=acme"
    spans = {span.name: span for span in traced.spans()}
    server_span = spans[SERVER_SPAN]
    assert server_span.parent is not None
    assert (server_span.parent.trace_id, server_span.parent.span_id) == (
        caller.trace_id,
        caller.span_id,
    )
    # The call itself is still traced, with its A2A facts.
    [received] = server.received
    assert spans[CLIENT_SPAN].context.trace_id != caller.trace_id
    assert dict(spans[CLIENT_SPAN].attributes or {}) == client_attributes(agent, received, port)


def test_the_sdk_used_directly_carries_the_current_context(traced) -> None:
    """No agent call: nothing to report to, but the application's own span
    still reaches the server."""
    server = server_with(tool_round_answer)
    tracer = traced.provider.get_tracer("test")
    with served(server.app(traced.provider)) as url:

        async def main() -> list[Any]:
            http = httpx.AsyncClient(timeout=60, trust_env=False)
            client = ClientFactory(ClientConfig(httpx_client=http)).create(card(f"{url}/"))
            message = create_text_message_object(content="Weather in paris?")
            with tracer.start_as_current_span("application"):
                return [item async for item in client.send_message(message)]

        items = asyncio.run(main())

    assert items[-1][0].status.state.value == "completed"
    [tree] = build_trees(traced.spans())
    assert tree.shape() == ("application", [(SERVER_SPAN, [SERVED_AGENT])])
    assert tree.attributes == {}
    [received] = server.received
    assert_continued(tree, server, received)


def test_suppressed_instrumentation_sends_no_context(traced) -> None:
    server = server_with(tool_round_answer)
    with suppress_instrumentation():
        ask(traced, server)

    [headers] = server.headers
    assert "traceparent" not in headers
    # Only the server traced the request, in a trace of its own.
    [tree] = build_trees(traced.spans())
    assert tree.shape() == (SERVER_SPAN, [SERVED_AGENT])


def test_uninstrument_puts_the_sdk_back(traced) -> None:
    from a2a.client.base_client import BaseClient

    patched = {
        name: member
        for name, member in [*vars(BaseClient).items(), ("send", httpx.AsyncClient.send)]
        if hasattr(member, ORIGINAL_ATTRIBUTE)
    }
    assert {"send_message", "get_task", "cancel_task", "send"} <= set(patched)
    traced.instrumentor.uninstrument()
    assert not hasattr(httpx.AsyncClient.send, ORIGINAL_ATTRIBUTE)
    assert not any(hasattr(member, ORIGINAL_ATTRIBUTE) for member in vars(BaseClient).values())

    server = server_with(tool_round_answer)
    ask(traced, server)
    [headers] = server.headers
    assert "traceparent" not in headers
    # Only the server's own tracing is left.
    assert [span.name for span in traced.spans()] == [SERVER_SPAN]


def test_a_remote_agent_called_from_a_tool_nests_under_it(traced) -> None:
    """A local agent's tool asks the remote agent: one trace from the local
    agent's call down to the remote agent's model calls."""
    server = server_with(direct_answer("Sunny"))
    with served(server.app(traced.provider)) as url:
        remote = A2AAgent(card(f"{url}/"))

        async def ask_remote(city: str) -> ToolResponse:
            """Ask the weather desk.

            Args:
                city (str): The city name.
            """
            reply = await remote(Msg("user", f"Weather in {city}?", "user"))
            return ToolResponse(content=[TextBlock(type="text", text=reply.get_text_content())])

        toolkit = Toolkit()
        toolkit.register_tool_function(ask_remote)
        local = make_agent(name="Planner", toolkit=toolkit)
        script = Script("paris", [Step(tools=["ask_remote"]), Step(text="It is sunny")])
        reply = asyncio.run(call_with(local, script))
    port = urlsplit(url).port
    assert port is not None

    assert reply.get_text_content() == "It is sunny"
    [tree] = build_trees(traced.spans())
    served_agent = ("invoke_agent Friday", [("react step", [("chat scripted-model", [])])])
    assert tree.shape() == (
        "invoke_agent Planner",
        [
            (
                "react step",
                [
                    ("chat scripted-model", []),
                    ("execute_tool ask_remote", [(CLIENT_SPAN, [(SERVER_SPAN, [served_agent])])]),
                ],
            ),
            ("react step", [("chat scripted-model", [])]),
        ],
    )
    [received] = server.received
    [tool] = tree.find("execute_tool ask_remote")
    [client] = tool.children
    # The A2A facts are the remote agent's call's, not the tool's.
    assert client.attributes == client_attributes(remote, received, port)
    assert not any(key.startswith("a2a.") for key in tool.attributes)
    assert_continued(client, server, received)


def test_an_http_error_fails_the_call_with_its_status(traced) -> None:
    server = server_with(tool_round_answer)
    with served(server.app(traced.provider)) as url:
        agent = A2AAgent(card(f"{url}/elsewhere", streaming=False))
        with pytest.raises(A2AClientHTTPError) as raised:
            asyncio.run(agent(Msg("user", "Weather in paris?", "user")))
    assert raised.value.status_code == 404

    assert server.received == []
    [tree] = build_trees(traced.spans())
    # No route: the server span keeps the method alone as its name.
    assert tree.shape() == (CLIENT_SPAN, [("POST", [])])
    attributes = tree.attributes
    message_id = attributes.pop("a2a.message.id")
    assert isinstance(message_id, str)
    assert attributes == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": CARD_NAME,
        "gen_ai.agent.id": agent.id,
        "gen_ai.agent.description": CARD_DESCRIPTION,
        "gen_ai.agent.version": CARD_VERSION,
        "gen_ai.conversation.id": run_id(),
        "a2a.method.name": "SendMessage",
        "a2a.protocol.version": PROTOCOL_VERSION,
        "server.address": "127.0.0.1",
        "server.port": urlsplit(url).port,
        "http.response.status_code": 404,
        "error.type": "a2a.client.errors.A2AClientHTTPError",
    }
    [headers] = server.headers
    assert headers["traceparent"] == traceparent_of(tree.span)

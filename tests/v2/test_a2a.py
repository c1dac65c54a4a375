"""AgentScope 2.x agents reached over A2A: one trace across processes.

2.x's ``A2AAgent`` is not an ``Agent``, so otelscope wraps its ``reply`` and
``reply_stream``. A real one calls a real a2a-sdk server on loopback
(``tests.a2a_server``), whose executor runs a real 2.x ``Agent``. The
client's ``invoke_agent`` span is a CLIENT span with the A2A facts read in
the SDK, the request carries its context, and the server's span (Starlette's
own tracing) and the remote agent's spans are in the same trace under it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

pytest.importorskip("a2a", reason="a2a-sdk (AgentScope's a2a extra) is not installed")

import httpx
from a2a.client import ClientConfig, ClientFactory
from a2a.types import Message, Part, Role, SendMessageRequest, TaskState
from a2a.utils.errors import UnsupportedOperationError
from agentscope.agent import A2AAgent
from agentscope.message import Msg, UserMsg
from opentelemetry import baggage
from opentelemetry import context as otel_context
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from otelscope.agentscope_v2.readers import agent_id
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
from tests.content_expectations import INPUT, OUTPUT, decoded
from tests.serving import callers, served
from tests.spantree import Node, build_trees
from tests.v2.kit import (
    Script,
    Step,
    call_with,
    make_agent,
    make_toolkit,
    one_tool_round,
    reply_text,
)

CLIENT_SPAN = f"invoke_agent {CARD_NAME}"
SERVER_SPAN = "POST /"
# The served Agent's call: one tool round, then the answer.
SERVED_AGENT = (
    "invoke_agent Friday",
    [
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", [])]),
    ],
)
ENTRIES = ["reply", "reply_stream"]


def tool_round_answer(text: str) -> Awaitable[Msg]:
    """The server's answer: a fresh Agent with one tool round for the city
    the question names ("Weather in paris?" -> "Done paris")."""
    return call_with(make_agent(), one_tool_round(text.rsplit(maxsplit=1)[-1].rstrip("?")), text)


def direct_answer(answer: str) -> Callable[[str], Awaitable[Msg]]:
    """A server's answer without tools: the agent just says ``answer``."""

    def run(text: str) -> Awaitable[Msg]:
        return call_with(make_agent(), Script("direct", [Step(text=answer)]), text)

    return run


def server_with(answer: Callable[[str], Awaitable[Msg]], outcome: str = COMPLETED) -> Server:
    async def text_of(question: str) -> str:
        return reply_text(await answer(question))

    return Server(text_of, outcome)


def remote_agent(
    url: str, streaming: bool = True, http: httpx.AsyncClient | None = None
) -> A2AAgent:
    agent_card = card(f"{url}/", streaming)
    if streaming and http is None:
        return A2AAgent(agent_card)
    config = ClientConfig(streaming=streaming, httpx_client=http)
    return A2AAgent(agent_card, client=ClientFactory(config).create(agent_card))


async def call(agent: A2AAgent, entry: str, question: str = "Weather in paris?") -> Msg:
    """One call through ``entry``: its final message."""
    inputs = UserMsg(name="user", content=question)
    if entry == "reply":
        return await agent.reply(inputs)
    items = [item async for item in agent.reply_stream(inputs, yield_final_msg=True)]
    assert isinstance(items[-1], Msg)
    return items[-1]


def ask(
    traced: Any,
    server: Server,
    entry: str = "reply",
    streaming: bool = True,
    http: httpx.AsyncClient | None = None,
) -> tuple[A2AAgent, Msg, int]:
    """One call of an ``A2AAgent`` of the served agent: the agent, its
    reply and the server's port. The server has stopped on return, so every
    span of it has ended."""
    with served(server.app(traced.provider)) as url:
        agent = remote_agent(url, streaming, http)

        async def main() -> Msg:
            async with agent:
                return await call(agent, entry)

        reply = asyncio.run(main())
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
        "gen_ai.agent.id": agent_id(agent),
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


def assert_continued(tree: Node, headers: dict[str, str], received: Received) -> None:
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
    assert headers["traceparent"] == traceparent_of(client)


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize(
    ("streaming", "method"), [(True, "SendStreamingMessage"), (False, "SendMessage")]
)
def test_a_remote_agent_call_is_one_trace(traced, entry: str, streaming: bool, method: str) -> None:
    server = server_with(tool_round_answer)
    agent, reply, port = ask(traced, server, entry, streaming)

    assert reply_text(reply) == "Done paris"
    # One span per call, whichever entry.
    [tree] = build_trees(traced.spans())
    assert tree.shape() == (CLIENT_SPAN, [(SERVER_SPAN, [SERVED_AGENT])])
    [received] = server.received
    assert received.text == "Weather in paris?"
    assert tree.span.kind == SpanKind.CLIENT
    assert tree.status == StatusCode.UNSET
    assert tree.attributes == client_attributes(agent, received, port, method)
    [headers] = server.headers
    assert_continued(tree, headers, received)
    assert headers["a2a-version"] == PROTOCOL_VERSION
    assert "tracestate" not in headers
    assert "baggage" not in headers


def test_a_second_call_continues_the_remote_conversation(traced) -> None:
    server = server_with(tool_round_answer)
    with served(server.app(traced.provider)) as url:
        agent = remote_agent(url)

        async def main() -> None:
            async with agent:
                await call(agent, "reply")
                await call(agent, "reply_stream", "Weather in rome?")

        asyncio.run(main())
    port = urlsplit(url).port
    assert port is not None

    first, second = build_trees(traced.spans())
    assert server.received[1].context_id == server.received[0].context_id
    for tree, received, headers in zip(
        (first, second), server.received, server.headers, strict=True
    ):
        assert tree.shape() == (CLIENT_SPAN, [(SERVER_SPAN, [SERVED_AGENT])])
        assert tree.attributes == client_attributes(agent, received, port)
        assert_continued(tree, headers, received)


def test_overlapping_calls_each_report_their_own_exchange(traced) -> None:
    server = server_with(tool_round_answer)
    cities = [f"city{i}" for i in range(4)]
    with served(server.app(traced.provider)) as url:
        agents = [remote_agent(url) for _ in cities]

        async def main() -> list[Msg]:
            return await asyncio.gather(
                *(
                    call(agent, entry, f"Weather in {city}?")
                    for agent, city, entry in zip(agents, cities, ENTRIES * 2, strict=True)
                )
            )

        replies = asyncio.run(main())
    port = urlsplit(url).port
    assert port is not None

    assert [reply_text(r) for r in replies] == [f"Done {city}" for city in cities]
    trees = build_trees(traced.spans())
    assert len(trees) == len(cities)
    by_trace = {r.trace_id: r for r in server.received}
    by_id = {agent_id(a): a for a in agents}
    asked = []
    for tree in trees:
        assert tree.shape() == (CLIENT_SPAN, [(SERVER_SPAN, [SERVED_AGENT])])
        received = by_trace[tree.span.context.trace_id]
        agent = by_id[tree.attributes["gen_ai.agent.id"]]
        assert tree.attributes == client_attributes(agent, received, port)
        asked.append((agent_id(agent), received.text))
    expected = {
        (agent_id(a), f"Weather in {city}?") for a, city in zip(agents, cities, strict=True)
    }
    assert set(asked) == expected


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_failed_task_fails_the_call(traced, entry: str) -> None:
    server = server_with(direct_answer("No forecast for paris"), FAILED)
    agent, reply, port = ask(traced, server, entry)

    # AgentScope ends the reply with an error, and the status message.
    assert str(reply.finished_reason) == "error"
    assert reply_text(reply) == "No forecast for paris"
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
    [headers] = server.headers
    assert_continued(tree, headers, received)
    points = traced.metrics()["gen_ai.invoke_agent.duration"]
    assert sorted(tuple(sorted(dict(p.attributes).items())) for p in points) == [
        (("error.type", "TASK_STATE_FAILED"), ("gen_ai.agent.name", CARD_NAME)),
        (("gen_ai.agent.name", "Friday"), ("gen_ai.request.model", "scripted-model")),
    ]


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_task_the_remote_agent_canceled_ends_the_call_cancelled(traced, entry: str) -> None:
    """2.x ends the reply as interrupted: cancelled, as a local agent's."""
    server = server_with(direct_answer("Stopped"), CANCELED)
    agent, reply, port = ask(traced, server, entry)

    assert str(reply.finished_reason) == "interrupted"
    [tree] = build_trees(traced.spans())
    [received] = server.received
    assert tree.attributes == {
        **client_attributes(agent, received, port, state="TASK_STATE_CANCELED"),
        "error.type": "cancelled",
    }
    assert tree.span.status.status_code == StatusCode.ERROR
    assert tree.span.status.description == "cancelled"


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("streaming", [True, False])
def test_a_json_rpc_error_fails_the_call_with_its_code(traced, entry: str, streaming: bool) -> None:
    server = server_with(tool_round_answer, ERROR)
    with served(server.app(traced.provider)) as url:
        agent = remote_agent(url, streaming)
        session_id = agent.state.session_id
        with pytest.raises(UnsupportedOperationError):
            asyncio.run(call(agent, entry))

    [tree] = build_trees(traced.spans())
    # The server refused before any agent ran.
    assert tree.shape() == (CLIENT_SPAN, [(SERVER_SPAN, [])])
    [received] = server.received
    assert tree.attributes == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": CARD_NAME,
        "gen_ai.agent.id": agent_id(agent),
        "gen_ai.agent.description": CARD_DESCRIPTION,
        "gen_ai.agent.version": CARD_VERSION,
        # No answer named a context: the session the call started in.
        "gen_ai.conversation.id": session_id,
        "a2a.method.name": "SendStreamingMessage" if streaming else "SendMessage",
        "a2a.message.id": received.message_id,
        "a2a.protocol.version": PROTOCOL_VERSION,
        "server.address": "127.0.0.1",
        "server.port": urlsplit(url).port,
        "rpc.response.status_code": str(UNSUPPORTED_OPERATION),
        "error.type": "a2a.utils.errors.UnsupportedOperationError",
    }
    assert tree.span.status.status_code == StatusCode.ERROR
    assert [event.name for event in tree.span.events] == ["exception"]
    [headers] = server.headers
    assert_continued(tree, headers, received)


def test_a_stream_closed_before_its_request_ends_the_call_cancelled(traced) -> None:
    server = server_with(tool_round_answer)
    with served(server.app(traced.provider)) as url:
        agent = remote_agent(url)

        async def main() -> str:
            async with agent:
                stream = agent.reply_stream(UserMsg(name="user", content="Weather in paris?"))
                first = await anext(stream)
                await stream.aclose()
                return type(first).__name__

        assert asyncio.run(main()) == "ReplyStartEvent"

    # AgentScope announces the reply before sending anything: nothing was sent.
    assert server.headers == []
    [tree] = build_trees(traced.spans())
    assert tree.shape() == (CLIENT_SPAN, [])
    assert tree.attributes == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": CARD_NAME,
        "gen_ai.agent.id": agent_id(agent),
        "gen_ai.agent.description": CARD_DESCRIPTION,
        "gen_ai.agent.version": CARD_VERSION,
        "gen_ai.conversation.id": agent.state.session_id,
        "error.type": "cancelled",
    }


def test_a_remote_agent_called_from_a_tool_nests_under_it(traced) -> None:
    """A local agent's tool asks the remote agent: one trace from the local
    agent's call down to the remote agent's model calls."""
    server = server_with(direct_answer("Sunny"))
    with served(server.app(traced.provider)) as url:
        remote = remote_agent(url)

        async def ask_remote(city: str) -> str:
            """Ask the weather desk.

            Args:
                city (str): The city name.
            """
            return reply_text(
                await remote.reply(UserMsg(name="user", content=f"Weather in {city}?"))
            )

        local = make_agent(name="Planner", toolkit=make_toolkit(ask_remote))
        script = Script("paris", [Step(tools=["ask_remote"]), Step(text="It is sunny")])

        async def main() -> Msg:
            async with remote:
                return await call_with(local, script)

        reply = asyncio.run(main())
    port = urlsplit(url).port
    assert port is not None

    assert reply_text(reply) == "It is sunny"
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
    [headers] = server.headers
    assert_continued(client, headers, received)


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
        agent, _, port = ask(traced, server, http=http)
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
            client = ClientFactory(ClientConfig()).create(card(f"{url}/"))
            message = Message(
                message_id="m-1", role=Role.ROLE_USER, parts=[Part(text="Weather in paris?")]
            )
            try:
                with tracer.start_as_current_span("application"):
                    return [
                        item
                        async for item in client.send_message(SendMessageRequest(message=message))
                    ]
            finally:
                await client.close()

        items = asyncio.run(main())

    assert items[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
    [tree] = build_trees(traced.spans())
    assert tree.shape() == ("application", [(SERVER_SPAN, [SERVED_AGENT])])
    assert tree.attributes == {}
    [received] = server.received
    assert received.message_id == "m-1"
    [headers] = server.headers
    assert_continued(tree, headers, received)


def test_suppressed_instrumentation_sends_no_context(traced) -> None:
    server = server_with(tool_round_answer)
    with suppress_instrumentation():
        ask(traced, server)

    [headers] = server.headers
    assert "traceparent" not in headers
    # Only the server traced the request, in a trace of its own.
    [tree] = build_trees(traced.spans())
    assert tree.shape() == (SERVER_SPAN, [SERVED_AGENT])


def test_uninstrument_puts_the_sdk_and_the_agent_back(traced) -> None:
    from a2a.client.base_client import BaseClient

    patched = {
        name
        for name, member in [
            *vars(BaseClient).items(),
            ("send", httpx.AsyncClient.send),
            ("A2AAgent.reply", A2AAgent.reply),
            ("A2AAgent.reply_stream", A2AAgent.reply_stream),
        ]
        if hasattr(member, ORIGINAL_ATTRIBUTE)
    }
    assert {
        "send_message",
        "get_task",
        "subscribe",
        "send",
        "A2AAgent.reply",
        "A2AAgent.reply_stream",
    } <= patched
    traced.instrumentor.uninstrument()
    assert not hasattr(httpx.AsyncClient.send, ORIGINAL_ATTRIBUTE)
    assert not hasattr(A2AAgent.reply, ORIGINAL_ATTRIBUTE)
    assert not hasattr(A2AAgent.reply_stream, ORIGINAL_ATTRIBUTE)
    assert not any(hasattr(member, ORIGINAL_ATTRIBUTE) for member in vars(BaseClient).values())

    server = server_with(tool_round_answer)
    ask(traced, server)
    [headers] = server.headers
    assert "traceparent" not in headers
    # Only the server's own tracing is left.
    assert [span.name for span in traced.spans()] == [SERVER_SPAN]


@pytest.mark.parametrize(
    ("entry", "final_message"), [("reply", True), ("reply_stream", True), ("reply_stream", False)]
)
def test_content_capture_records_the_question_and_the_answer(
    capture, entry: str, final_message: bool
) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    server = server_with(tool_round_answer)
    with served(server.app(capture.traced.provider)) as url:
        agent = remote_agent(url)

        async def main() -> None:
            async with agent:
                inputs = UserMsg(name="user", content="Weather in paris?")
                if entry == "reply":
                    await agent.reply(inputs)
                else:
                    async for _ in agent.reply_stream(inputs, yield_final_msg=final_message):
                        pass

        asyncio.run(main())

    client = capture.tree()
    assert client.name == CLIENT_SPAN
    question = [{"role": "user", "parts": [{"type": "text", "content": "Weather in paris?"}]}]
    answer = [{"role": "assistant", "parts": [{"type": "text", "content": "Done paris"}]}]
    assert decoded(INPUT, client.attributes[INPUT]) == question
    # reply_stream hands over the final message only when asked to.
    if final_message:
        assert decoded(OUTPUT, client.attributes[OUTPUT]) == answer
    else:
        assert OUTPUT not in client.attributes

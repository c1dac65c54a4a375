"""Agents reached over A2A, on both AgentScope lines: one trace across
processes.

A real ``A2AAgent`` calls a real a2a-sdk server on loopback
(``tests.a2a_server``), whose executor runs a real agent of the line. The
client's ``invoke_agent`` span is a CLIENT span with the A2A facts read in
the SDK, the request carries its context, and the server's span (Starlette's
own tracing) and the remote agent's spans are in the same trace under it.
What only one line does is in ``tests/v1/test_a2a.py`` and
``tests/v2/test_a2a.py``.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import pytest

pytest.importorskip("a2a", reason="a2a-sdk (AgentScope's a2a extra) is not installed")

import httpx
from opentelemetry import baggage
from opentelemetry import context as otel_context
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import SpanKind, StatusCode

from otelscope.core.patching import ORIGINAL_ATTRIBUTE
from tests.a2a_server import (
    CARD_DESCRIPTION,
    CARD_NAME,
    CARD_VERSION,
    ERROR,
    FAILED,
    PROTOCOL_VERSION,
    UNSUPPORTED_OPERATION,
)
from tests.lines.a2a_calls import (
    CLIENT_SPAN,
    DIRECT_SERVED_AGENT,
    SERVED_AGENT,
    SERVER_SPAN,
    a2a,
    ask,
    assert_continued,
    client_attributes,
    direct_answer,
    server_with,
    tool_round_answer,
)
from tests.lines.line import kit, per_line
from tests.serving import callers, served
from tests.spantree import build_trees


@pytest.mark.parametrize("entry", a2a.ENTRIES)
@pytest.mark.parametrize(
    ("streaming", "method"), [(True, "SendStreamingMessage"), (False, "SendMessage")]
)
def test_a_remote_agent_call_is_one_trace(traced, entry: str, streaming: bool, method: str) -> None:
    server = server_with(tool_round_answer)
    agent, reply, port = ask(traced, server, entry, streaming)

    assert kit.reply_text(reply) == "Done paris"
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
    # a2a-sdk 1.x names the protocol version in a header, 0.x in the card.
    assert headers.get("a2a-version") == per_line(v1=None, v2=PROTOCOL_VERSION)
    assert "tracestate" not in headers
    assert "baggage" not in headers


def test_overlapping_calls_each_report_their_own_exchange(traced) -> None:
    server = server_with(tool_round_answer)
    cities = [f"city{i}" for i in range(4)]
    entries = [a2a.ENTRIES[i % len(a2a.ENTRIES)] for i in range(len(cities))]
    with served(server.app(traced.provider)) as url:
        agents = [a2a.remote_agent(url) for _ in cities]

        async def main() -> list[Any]:
            return await asyncio.gather(
                *(
                    a2a.call(agent, entry, f"Weather in {city}?")
                    for agent, city, entry in zip(agents, cities, entries, strict=True)
                )
            )

        replies = asyncio.run(main())
    port = urlsplit(url).port
    assert port is not None

    assert [kit.reply_text(r) for r in replies] == [f"Done {city}" for city in cities]
    trees = build_trees(traced.spans())
    assert len(trees) == len(cities)
    by_trace = {r.trace_id: r for r in server.received}
    by_id = {a2a.agent_id(a): a for a in agents}
    asked = []
    for tree in trees:
        assert tree.shape() == (CLIENT_SPAN, [(SERVER_SPAN, [SERVED_AGENT])])
        received = by_trace[tree.span.context.trace_id]
        agent = by_id[tree.attributes["gen_ai.agent.id"]]
        assert tree.attributes == client_attributes(agent, received, port)
        asked.append((a2a.agent_id(agent), received.text))
    expected = {
        (a2a.agent_id(a), f"Weather in {city}?") for a, city in zip(agents, cities, strict=True)
    }
    assert set(asked) == expected
    assert len({r.message_id for r in server.received}) == len(cities)


@pytest.mark.parametrize("entry", a2a.ENTRIES)
def test_a_failed_task_fails_the_call(traced, entry: str) -> None:
    server = server_with(direct_answer("No forecast for paris"), FAILED)
    agent, reply, port = ask(traced, server, entry)

    # AgentScope answers with the failed task's status message (2.x ends the
    # reply with an error; 1.x messages name no reason).
    assert kit.finished_reason(reply) == per_line(v1=None, v2="error")
    assert kit.reply_text(reply) == "No forecast for paris"
    [tree] = build_trees(traced.spans())
    assert tree.shape() == (CLIENT_SPAN, [(SERVER_SPAN, [DIRECT_SERVED_AGENT])])
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


@pytest.mark.parametrize("entry", a2a.ENTRIES)
@pytest.mark.parametrize("streaming", [True, False])
def test_a_json_rpc_error_fails_the_call_with_its_code(traced, entry: str, streaming: bool) -> None:
    server = server_with(tool_round_answer, ERROR)
    with served(server.app(traced.provider)) as url:
        agent = a2a.remote_agent(url, streaming)
        # No answer names a context: the conversation the call started in.
        conversation = kit.conversation_id(agent)
        with pytest.raises(a2a.JSON_RPC_ERROR) as raised:
            asyncio.run(a2a.call(agent, entry))
    a2a.assert_unsupported_operation(raised.value)

    [tree] = build_trees(traced.spans())
    # The server refused before any agent ran.
    assert tree.shape() == (CLIENT_SPAN, [(SERVER_SPAN, [])])
    [received] = server.received
    assert tree.attributes == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": CARD_NAME,
        "gen_ai.agent.id": a2a.agent_id(agent),
        "gen_ai.agent.description": CARD_DESCRIPTION,
        "gen_ai.agent.version": CARD_VERSION,
        "gen_ai.conversation.id": conversation,
        "a2a.method.name": "SendStreamingMessage" if streaming else "SendMessage",
        "a2a.message.id": received.message_id,
        "a2a.protocol.version": PROTOCOL_VERSION,
        "server.address": "127.0.0.1",
        "server.port": urlsplit(url).port,
        "rpc.response.status_code": str(UNSUPPORTED_OPERATION),
        "error.type": a2a.JSON_RPC_ERROR_TYPE,
    }
    assert tree.span.status.status_code == StatusCode.ERROR
    assert [event.name for event in tree.span.events] == ["exception"]
    [headers] = server.headers
    assert_continued(tree, headers, received)


def test_a_remote_agent_called_from_a_tool_nests_under_it(traced) -> None:
    """A local agent's tool asks the remote agent: one trace from the local
    agent's call down to the remote agent's model calls."""
    server = server_with(direct_answer("Sunny"))
    with served(server.app(traced.provider)) as url:
        remote = a2a.remote_agent(url)

        async def ask_remote(city: str) -> Any:
            """Ask the weather desk.

            Args:
                city (str): The city name.
            """
            reply = await a2a.call(remote, a2a.ENTRIES[0], f"Weather in {city}?")
            return kit.tool_output(kit.reply_text(reply))

        local = kit.make_agent(name="Planner", toolkit=kit.make_toolkit(ask_remote))
        script = kit.Script("paris", [kit.Step(tools=["ask_remote"]), kit.Step(text="It is sunny")])

        async def main() -> Any:
            async with a2a.opened(remote):
                return await kit.call_with(local, script)

        reply = asyncio.run(main())
    port = urlsplit(url).port
    assert port is not None

    assert kit.reply_text(reply) == "It is sunny"
    [tree] = build_trees(traced.spans())
    assert tree.shape() == (
        "invoke_agent Planner",
        [
            (
                "react step",
                [
                    ("chat scripted-model", []),
                    (
                        "execute_tool ask_remote",
                        [(CLIENT_SPAN, [(SERVER_SPAN, [DIRECT_SERVED_AGENT])])],
                    ),
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
        state = asyncio.run(
            a2a.send_with_the_sdk(
                url, "m-1", "Weather in paris?", lambda: tracer.start_as_current_span("application")
            )
        )

    assert state == a2a.SDK_COMPLETED
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


def test_uninstrument_puts_back_what_it_patched(traced) -> None:
    patched = {
        name for name, member in a2a.patched_members() if hasattr(member, ORIGINAL_ATTRIBUTE)
    }
    assert patched >= a2a.PATCHED
    traced.instrumentor.uninstrument()
    assert not any(hasattr(member, ORIGINAL_ATTRIBUTE) for _, member in a2a.patched_members())

    server = server_with(tool_round_answer)
    ask(traced, server)
    [headers] = server.headers
    assert "traceparent" not in headers
    # Only the server's own tracing is left.
    assert [span.name for span in traced.spans()] == [SERVER_SPAN]

"""Agents reached over A2A, on either AgentScope line: a real ``A2AAgent``
calls a real a2a-sdk server on loopback (``tests.a2a_server``), whose
executor runs a real agent of the line. Import it only after
``pytest.importorskip("a2a")``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from tests.a2a_server import (
    CARD_DESCRIPTION,
    CARD_NAME,
    CARD_VERSION,
    COMPLETED,
    PROTOCOL_VERSION,
    Received,
    Server,
)
from tests.lines.line import kit, line_kit
from tests.serving import served
from tests.spantree import Node

# The line's A2A client: how an A2AAgent is made and called.
a2a = line_kit("a2a_kit")

CLIENT_SPAN = f"invoke_agent {CARD_NAME}"
SERVER_SPAN = "POST /"
# The served agent's call: one tool round, then the answer.
SERVED_AGENT = (
    "invoke_agent Friday",
    [
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", [])]),
    ],
)
# The served agent's call when it answers without tools.
DIRECT_SERVED_AGENT = ("invoke_agent Friday", [("react step", [("chat scripted-model", [])])])

Answer = Callable[[str], Awaitable[Any]]


def tool_round_answer(text: str) -> Awaitable[Any]:
    """The server's answer: a fresh agent with one tool round for the city
    the question names ("Weather in paris?" -> "Done paris")."""
    city = text.rsplit(maxsplit=1)[-1].rstrip("?")
    return kit.call_with(kit.make_agent(), kit.one_tool_round(city), text)


def direct_answer(answer: str) -> Answer:
    """A server's answer without tools: the agent just says ``answer``."""

    def run(text: str) -> Awaitable[Any]:
        return kit.call_with(kit.make_agent(), kit.Script("direct", [kit.Step(text=answer)]), text)

    return run


def server_with(answer: Answer, outcome: str = COMPLETED) -> Server:
    async def text_of(question: str) -> str:
        return kit.reply_text(await answer(question)) or ""

    return Server(text_of, outcome)


def ask(
    traced: Any,
    server: Server,
    entry: str | None = None,
    streaming: bool = True,
    http: httpx.AsyncClient | None = None,
) -> tuple[Any, Any, int]:
    """One call of an ``A2AAgent`` of the served agent (through ``entry``,
    the line's first way by default): the agent, its reply and the server's
    port. The server has stopped on return, so every span of it has ended."""
    with served(server.app(traced.provider)) as url:
        agent = a2a.remote_agent(url, streaming, http)

        async def main() -> Any:
            async with a2a.opened(agent):
                return await a2a.call(agent, entry or a2a.ENTRIES[0])

        reply = asyncio.run(main())
    port = urlsplit(url).port
    assert port is not None
    return agent, reply, port


def client_attributes(
    agent: Any,
    received: Received,
    port: int,
    method: str = "SendStreamingMessage",
    state: str = "TASK_STATE_COMPLETED",
) -> dict[str, Any]:
    """The client span's attributes for the message the server received."""
    return {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": CARD_NAME,
        "gen_ai.agent.id": a2a.agent_id(agent),
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

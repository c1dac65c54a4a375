"""AgentScope 2.x agents reached over A2A: what only 2.x does. 2.x's
``A2AAgent`` is not an ``Agent``, so otelscope wraps its ``reply`` and
``reply_stream``. The tests both lines share are in
``tests/lines/test_a2a.py``."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

pytest.importorskip("a2a", reason="a2a-sdk (AgentScope's a2a extra) is not installed")

from agentscope.message import UserMsg
from opentelemetry.trace import StatusCode

from otelscope.agentscope_v2.readers import agent_id
from tests.a2a_server import CANCELED, CARD_DESCRIPTION, CARD_NAME, CARD_VERSION
from tests.content_expectations import INPUT, OUTPUT, decoded
from tests.lines.a2a_calls import (
    CLIENT_SPAN,
    SERVED_AGENT,
    SERVER_SPAN,
    ask,
    assert_continued,
    client_attributes,
    direct_answer,
    server_with,
    tool_round_answer,
)
from tests.serving import served
from tests.spantree import build_trees
from tests.v2.a2a_kit import ENTRIES, call, remote_agent


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

"""AgentScope 1.x agents reached over A2A: what only 1.x does. The tests
both lines share are in ``tests/lines/test_a2a.py``."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

pytest.importorskip("a2a", reason="a2a-sdk (AgentScope's a2a extra) is not installed")

from a2a.client.errors import A2AClientHTTPError
from agentscope.agent import A2AAgent
from agentscope.message import Msg
from opentelemetry.trace import StatusCode

from tests.a2a_server import (
    CANCELED,
    CARD_DESCRIPTION,
    CARD_NAME,
    CARD_VERSION,
    PROTOCOL_VERSION,
    card,
)
from tests.lines.a2a_calls import (
    CLIENT_SPAN,
    ask,
    client_attributes,
    direct_answer,
    server_with,
    tool_round_answer,
    traceparent_of,
)
from tests.serving import served
from tests.spantree import build_trees
from tests.v1.kit import run_id


def test_a_task_the_remote_agent_canceled_is_recorded_as_it_ended(traced) -> None:
    """1.x answers a canceled task like any other: the call completed."""
    server = server_with(direct_answer("Stopped"), CANCELED)
    agent, reply, port = ask(traced, server)

    assert reply.get_text_content() == "Stopped"
    [tree] = build_trees(traced.spans())
    [received] = server.received
    assert tree.attributes == client_attributes(agent, received, port, state="TASK_STATE_CANCELED")
    assert tree.status == StatusCode.UNSET


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

"""A real agent of the installed line, on AgentScope's ``OpenAIChatModel``
talking to a fake OpenAI server over HTTP: one tool round, then the answer.
The trace is the usual tree, and each chat span carries what the server
served for that very request."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from tests.providers import models
from tests.providers.fake_server import ToolCall, Turn, Usage, running
from tests.providers.models import LINE
from tests.providers.openai_server import CHAT_PATH, FakeOpenAI
from tests.spantree import build_trees


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with running(FakeOpenAI()) as running_server:
        yield running_server


def agent_on(model: Any) -> Any:
    if LINE == 1:
        from tests.v1.kit import make_agent

        agent = make_agent(model=model)
        agent.set_console_output_enabled(False)
        return agent
    from tests.v2.kit import make_agent

    return make_agent(model=model)


async def ask(agent: Any) -> str:
    if LINE == 1:
        from agentscope.message import Msg

        reply = await agent(Msg("user", "Weather in Paris?", "user"))
        return str(reply.get_text_content())
    from agentscope.message import UserMsg

    from tests.v2.kit import reply_text

    return reply_text(await agent.reply(UserMsg(name="user", content="Weather in Paris?")))


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_each_chat_span_of_an_agent_call_carries_its_own_response(traced, server, stream) -> None:
    asking = Turn(
        tool_calls=(ToolCall("call_p1", "get_weather", '{"city": "Paris"}'),),
        finish_reason="tool_calls",
        model="served-a",
        usage=Usage(input_tokens=20, output_tokens=4),
    )
    answering = Turn(
        text="Sunny in Paris.",
        finish_reason="stop",
        model="served-b",
        usage=Usage(input_tokens=31, output_tokens=5, cache_read_tokens=16),
    )
    server.script(asking, answering)
    agent = agent_on(models.chat_model("openai", server, stream))

    loop = asyncio.new_event_loop()
    try:
        answer = loop.run_until_complete(ask(agent))
    finally:
        loop.close()

    assert answer == "Sunny in Paris."
    assert len(server.requests_to(CHAT_PATH)) == 2
    [root] = build_trees(traced.spans())
    chat = f"chat {models.ASKED_MODEL}"
    assert root.shape() == (
        "invoke_agent Friday",
        [
            ("react step", [(chat, []), ("execute_tool get_weather", [])]),
            ("react step", [(chat, [])]),
        ],
    )
    first, second = root.find(chat)
    for node, turn, reason in ((first, asking, "tool_call"), (second, answering, "stop")):
        served = {key: node.attributes.get(key) for key in SERVED_KEYS}
        assert served == {
            "gen_ai.response.id": turn.response_id,
            "gen_ai.response.model": turn.model,
            "gen_ai.response.finish_reasons": [reason],
            "gen_ai.usage.input_tokens": turn.usage.input_tokens,
            "gen_ai.usage.output_tokens": turn.usage.output_tokens,
            "gen_ai.usage.cache_read.input_tokens": turn.usage.cache_read_tokens,
            "server.address": "127.0.0.1",
            "server.port": server.port,
            "otelscope.request.attempts": 1,
        }
    # The call's roll-up adds up what the provider reported.
    assert (
        root.attributes["otelscope.usage.input_tokens"],
        root.attributes["otelscope.usage.output_tokens"],
    ) == (20 + 31, 4 + 5)


SERVED_KEYS = (
    "gen_ai.response.id",
    "gen_ai.response.model",
    "gen_ai.response.finish_reasons",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.cache_read.input_tokens",
    "server.address",
    "server.port",
    "otelscope.request.attempts",
)

"""The span tree and attributes of one AgentScope 2.x agent call."""

from __future__ import annotations

import asyncio

from opentelemetry.trace import SpanKind, StatusCode

from tests.spantree import build_trees
from tests.v2.kit import (
    ScriptedChatModel,
    call_with,
    conversation_id,
    make_agent,
    reply_text,
    two_tool_rounds,
)

ROUND_SHAPE = [
    ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
    ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
    ("react step", [("chat scripted-model", [])]),
]


def test_one_call_gives_one_exact_tree(traced) -> None:
    agent = make_agent(model=ScriptedChatModel(temperature=0.2, max_tokens=64, top_p=0.9))
    script = two_tool_rounds("Paris")
    reply = asyncio.run(call_with(agent, script))

    assert reply_text(reply) == "Done Paris"
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_agent Friday", ROUND_SHAPE)
    assert root.span.kind == SpanKind.INTERNAL
    agent_id = root.attributes["gen_ai.agent.id"]
    assert isinstance(agent_id, str) and len(agent_id) == 16
    # Every span of the call is in AgentScope's conversation: the agent's session.
    conversation = conversation_id(agent)
    assert root.attributes == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "Friday",
        "gen_ai.agent.id": agent_id,
        "gen_ai.provider.name": "unknown",
        "gen_ai.request.model": "scripted-model",
        "gen_ai.conversation.id": conversation,
        # The roll-up of the three model calls (10 in, 5 out each).
        "otelscope.usage.input_tokens": 30,
        "otelscope.usage.output_tokens": 15,
    }
    rounds = root.children
    assert [r.attributes for r in rounds] == [
        {
            "gen_ai.operation.name": "react",
            "gen_ai.react.round": 1,
            "gen_ai.conversation.id": conversation,
            "gen_ai.react.finish_reason": "tool_calls",
            "otelscope.usage.input_tokens": 10,
            "otelscope.usage.output_tokens": 5,
        },
        {
            "gen_ai.operation.name": "react",
            "gen_ai.react.round": 2,
            "gen_ai.conversation.id": conversation,
            "gen_ai.react.finish_reason": "tool_calls",
            "otelscope.usage.input_tokens": 10,
            "otelscope.usage.output_tokens": 5,
        },
        {
            "gen_ai.operation.name": "react",
            "gen_ai.react.round": 3,
            "gen_ai.conversation.id": conversation,
            "gen_ai.react.finish_reason": "stop",
            "otelscope.usage.input_tokens": 10,
            "otelscope.usage.output_tokens": 5,
        },
    ]
    chat = rounds[0].children[0]
    assert chat.span.kind == SpanKind.CLIENT
    assert chat.attributes == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "unknown",
        "gen_ai.request.model": "scripted-model",
        "gen_ai.request.stream": False,
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.max_tokens": 64,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.conversation.id": conversation,
        "gen_ai.response.id": "resp-Paris",
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 5,
    }
    tool = rounds[0].children[1]
    assert tool.span.kind == SpanKind.INTERNAL
    assert tool.attributes == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.id": "Paris-1-0",
        "gen_ai.tool.type": "function",
        "gen_ai.tool.description": "Get the weather of a city.",
        "gen_ai.conversation.id": conversation,
    }
    assert all(node.status == StatusCode.UNSET for node in root.walk())
    tool_spans = [n.span.context.span_id for n in root.find("execute_tool get_weather")]
    assert script.tool_parents == tool_spans
    # Nothing of otelscope is left on the agent once the call is over.
    assert agent._reply_middlewares == []
    assert agent._reasoning_middlewares == []
    assert agent._acting_middlewares == []


def test_answer_forced_after_max_iters_is_a_round_of_its_own(traced) -> None:
    from tests.v2.kit import Script, Step

    agent = make_agent(max_iters=2)
    script = Script(
        "m", [Step(tools=["get_weather"]), Step(tools=["get_weather"]), Step(text="summary")]
    )
    reply = asyncio.run(call_with(agent, script))

    assert reply_text(reply) == "summary"
    assert str(reply.finished_reason) == "exceed_max_iters"
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_agent Friday", ROUND_SHAPE)
    assert [r.attributes["gen_ai.react.finish_reason"] for r in root.children] == [
        "tool_calls",
        "tool_calls",
        "stop",
    ]


def test_cache_token_counts_are_recorded_when_the_provider_reports_them(traced) -> None:
    from tests.v2.kit import Script, Step

    class CachingModel(ScriptedChatModel):
        async def _call_api(self, *args, **kwargs):
            response = await super()._call_api(*args, **kwargs)
            response.usage.cache_input_tokens = 6
            response.usage.cache_creation_input_tokens = 2
            return response

    asyncio.run(call_with(make_agent(model=CachingModel()), Script("c", [Step(text="hi")])))

    [chat] = [s for s in traced.spans() if s.name == "chat scripted-model"]
    assert chat.attributes["gen_ai.usage.input_tokens"] == 10
    assert chat.attributes["gen_ai.usage.cache_read.input_tokens"] == 6
    assert chat.attributes["gen_ai.usage.cache_creation.input_tokens"] == 2


def test_zero_cache_counts_are_left_out(traced) -> None:
    """2.x defaults both cache counts to 0 whether or not the provider caches."""
    from tests.v2.kit import Script, Step

    asyncio.run(call_with(make_agent(), Script("c", [Step(text="hi")])))

    [chat] = [s for s in traced.spans() if s.name == "chat scripted-model"]
    assert "gen_ai.usage.cache_read.input_tokens" not in chat.attributes
    assert "gen_ai.usage.cache_creation.input_tokens" not in chat.attributes

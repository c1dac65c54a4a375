"""The span tree and attributes of one agent call, on both AgentScope lines.

What only one line has (1.x's parallel tool calls and ``__call__``
subclasses, 2.x's cache token counts) is in ``tests/v1`` and ``tests/v2``'s
``test_spans.py``.
"""

from __future__ import annotations

import asyncio

from opentelemetry.trace import SpanKind, StatusCode

from tests.lines.line import kit, per_line
from tests.spantree import build_trees

ROUND_SHAPE = [
    ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
    ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
    ("react step", [("chat scripted-model", [])]),
]


def test_one_call_gives_one_exact_tree(traced) -> None:
    agent = kit.make_agent(model=kit.ScriptedChatModel(temperature=0.2, max_tokens=64, top_p=0.9))
    script = kit.two_tool_rounds("Paris")
    reply = asyncio.run(kit.call_with(agent, script))

    assert kit.reply_text(reply) == "Done Paris"
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_agent Friday", ROUND_SHAPE)

    assert root.span.kind == SpanKind.INTERNAL
    # Every span of the call is in AgentScope's conversation: on 1.x the run
    # id, on 2.x the agent's session.
    conversation = kit.conversation_id(agent)
    assert root.attributes == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "Friday",
        "gen_ai.agent.id": kit.agent_id(agent),
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
        **kit.formatted(2),
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
    # The tool's own code ran with its execute_tool span as the current span.
    tool_spans = [n.span.context.span_id for n in root.find("execute_tool get_weather")]
    assert script.tool_parents == tool_spans
    # Nothing of otelscope is left on the agent once the call is over.
    assert kit.nothing_left_on(agent)


def test_answer_forced_after_max_iters_is_a_round_of_its_own(traced) -> None:
    agent = kit.make_agent(max_iters=2)
    script = kit.Script(
        "m",
        [
            kit.Step(tools=["get_weather"]),
            kit.Step(tools=["get_weather"]),
            kit.Step(text="summary"),
        ],
    )
    reply = asyncio.run(kit.call_with(agent, script))

    assert kit.reply_text(reply) == "summary"
    # 1.x replies do not say why they ended; 2.x's say.
    assert kit.finished_reason(reply) == per_line(v1=None, v2="exceed_max_iters")
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_agent Friday", ROUND_SHAPE)
    assert [r.attributes["gen_ai.react.finish_reason"] for r in root.children] == [
        "tool_calls",
        "tool_calls",
        "stop",
    ]

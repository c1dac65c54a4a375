"""The span tree and attributes of one AgentScope 1.x agent call."""

from __future__ import annotations

import asyncio

from opentelemetry.trace import SpanKind, StatusCode

from tests.spantree import build_trees
from tests.v1.kit import (
    ScriptedChatModel,
    call_with,
    formatted,
    make_agent,
    run_id,
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

    assert reply.get_text_content() == "Done Paris"
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_agent Friday", ROUND_SHAPE)

    assert root.span.kind == SpanKind.INTERNAL
    # Every span of the call is in AgentScope's conversation: the run id.
    conversation = run_id()
    assert root.attributes == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "Friday",
        "gen_ai.agent.id": agent.id,
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
        **formatted(2),
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


def test_parallel_tool_calls_share_their_round(traced) -> None:
    from tests.v1.kit import Script, Step

    agent = make_agent(parallel_tool_calls=True)
    script = Script(
        "Rome", [Step(tools=["get_weather", "get_weather"]), Step(text="ok")], tool_delay=0.005
    )
    asyncio.run(call_with(agent, script))

    [root] = build_trees(traced.spans())
    tool = ("execute_tool get_weather", [])
    assert root.shape() == (
        "invoke_agent Friday",
        [
            ("react step", [("chat scripted-model", []), tool, tool]),
            ("react step", [("chat scripted-model", [])]),
        ],
    )
    ids = sorted(n.attributes["gen_ai.tool.call.id"] for n in root.find("execute_tool get_weather"))
    assert ids == ["Rome-1-0", "Rome-1-1"]
    tool_spans = {n.span.context.span_id for n in root.find("execute_tool get_weather")}
    assert set(script.tool_parents) == tool_spans


def test_agent_called_inside_a_tool_nests_under_that_tool(traced) -> None:
    from agentscope.message import Msg, TextBlock
    from agentscope.tool import Toolkit, ToolResponse

    from tests.v1.kit import Script, Step, current_script

    helper = make_agent(name="Helper")

    async def ask_helper(city: str) -> ToolResponse:
        """Ask the helper agent.

        Args:
            city (str): The city to ask about.
        """
        current_script.set(Script("inner", [Step(text="inner answer")]))
        answer = await helper(Msg("user", city, "user"))
        return ToolResponse(content=[TextBlock(type="text", text=answer.get_text_content())])

    toolkit = Toolkit()
    toolkit.register_tool_function(ask_helper)
    outer = make_agent(name="Boss", toolkit=toolkit)
    asyncio.run(call_with(outer, Script("outer", [Step(tools=["ask_helper"]), Step(text="ok")])))

    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_agent Boss",
        [
            (
                "react step",
                [
                    ("chat scripted-model", []),
                    (
                        "execute_tool ask_helper",
                        [
                            (
                                "invoke_agent Helper",
                                [("react step", [("chat scripted-model", [])])],
                            ),
                        ],
                    ),
                ],
            ),
            ("react step", [("chat scripted-model", [])]),
        ],
    )


def test_subclass_calling_super_gives_one_agent_span(traced) -> None:
    from agentscope.agent import ReActAgent

    class Wrapped(ReActAgent):
        async def __call__(self, *args, **kwargs):
            return await super().__call__(*args, **kwargs)

    from tests.v1.kit import Script, Step, make_toolkit

    agent = Wrapped(
        name="Sub",
        sys_prompt="x",
        model=ScriptedChatModel(),
        formatter=__import__("agentscope.formatter", fromlist=["x"]).OpenAIChatFormatter(),
        toolkit=make_toolkit(),
    )
    asyncio.run(call_with(agent, Script("s", [Step(text="hi")])))
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_agent Sub", [("react step", [("chat scripted-model", [])])])


def test_model_subclass_calling_super_gives_one_chat_span(traced) -> None:
    class Louder(ScriptedChatModel):
        async def __call__(self, *args, **kwargs):
            return await super().__call__(*args, **kwargs)

    from tests.v1.kit import Script, Step

    agent = make_agent(model=Louder())
    asyncio.run(call_with(agent, Script("s", [Step(text="hi")])))
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_agent Friday", [("react step", [("chat scripted-model", [])])])


def test_answer_forced_after_max_iters_is_a_round_of_its_own(traced) -> None:
    from tests.v1.kit import Script, Step

    agent = make_agent(max_iters=2)
    script = Script(
        "m", [Step(tools=["get_weather"]), Step(tools=["get_weather"]), Step(text="summary")]
    )
    reply = asyncio.run(call_with(agent, script))

    assert reply.get_text_content() == "summary"
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_agent Friday", ROUND_SHAPE)
    assert [r.attributes["gen_ai.react.finish_reason"] for r in root.children] == [
        "tool_calls",
        "tool_calls",
        "stop",
    ]

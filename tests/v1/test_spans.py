"""Span trees that only AgentScope 1.x makes: parallel tool calls, and
subclasses overriding ``__call__``. The span tree and attributes of one agent
call, on both lines, are in ``tests/lines/test_spans.py``; an agent called
from a tool, in ``tests/lines/test_nesting.py``."""

from __future__ import annotations

import asyncio

from tests.spantree import build_trees
from tests.v1.kit import ScriptedChatModel, call_with, make_agent


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

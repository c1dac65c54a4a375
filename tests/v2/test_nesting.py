"""Nested, re-entrant and subclassed agent calls on AgentScope 2.x."""

from __future__ import annotations

import asyncio

from agentscope.agent import Agent
from agentscope.message import UserMsg

from tests.spantree import build_trees
from tests.v2.kit import (
    Script,
    ScriptedChatModel,
    Step,
    call_with,
    current_script,
    make_agent,
    make_toolkit,
    reply_text,
)

ANSWER = ("react step", [("chat scripted-model", [])])


def test_an_agent_called_from_a_tool_nests_under_that_tool(traced) -> None:
    helper = make_agent(name="Helper")

    async def ask_helper(city: str) -> str:
        """Ask the helper agent.

        Args:
            city (str): The city.
        """
        current_script.set(Script("inner", [Step(text="inner answer")]))
        return reply_text(await helper.reply(UserMsg(name="user", content=city)))

    boss = make_agent(name="Boss", toolkit=make_toolkit(ask_helper))
    reply = asyncio.run(
        call_with(boss, Script("outer", [Step(tools=["ask_helper"]), Step(text="ok")]))
    )

    assert reply_text(reply) == "ok"
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_agent Boss",
        [
            (
                "react step",
                [
                    ("chat scripted-model", []),
                    ("execute_tool ask_helper", [("invoke_agent Helper", [ANSWER])]),
                ],
            ),
            ANSWER,
        ],
    )


def test_an_agent_calling_itself_from_a_tool_gets_a_nested_call(traced) -> None:
    """Re-entrancy: the nested call is a call of its own, with rounds from 1.
    (2.x shares reply state on the instance, so only the span structure is
    asserted, not what the agent answers.)"""
    holder: list[Agent] = []

    async def ask_myself(city: str) -> str:
        """Ask the same agent again.

        Args:
            city (str): The city.
        """
        current_script.set(Script("inner", [Step(text="inner answer")]))
        return reply_text(await holder[0].reply(UserMsg(name="user", content=city)))

    agent = make_agent(name="Echo", toolkit=make_toolkit(ask_myself))
    holder.append(agent)
    asyncio.run(call_with(agent, Script("outer", [Step(tools=["ask_myself"]), Step(text="ok")])))

    [root] = build_trees(traced.spans())
    [tool] = root.find("execute_tool ask_myself")
    [inner] = tool.children
    assert inner.name == "invoke_agent Echo"
    assert [r.attributes["gen_ai.react.round"] for r in inner.children] == [1]
    assert root.children[0].attributes["gen_ai.react.round"] == 1
    assert agent._reply_middlewares == []


def test_a_subclass_reply_calling_super_gives_one_agent_span(traced) -> None:
    class Polite(Agent):
        async def reply(self, *args, **kwargs):
            return await super().reply(*args, **kwargs)

        async def reply_stream(self, *args, **kwargs):
            async for event in super().reply_stream(*args, **kwargs):
                yield event

    from agentscope.agent import ReActConfig

    agent = Polite(
        name="Polite",
        system_prompt="x",
        model=ScriptedChatModel(),
        toolkit=make_toolkit(),
        react_config=ReActConfig(max_iters=3),
    )

    async def main() -> None:
        current_script.set(Script("s", [Step(text="hi")]))
        await agent.reply(UserMsg(name="user", content="hi"))
        async for _ in agent.reply_stream(UserMsg(name="user", content="again")):
            pass

    asyncio.run(main())
    roots = build_trees(traced.spans())
    assert [root.shape() for root in roots] == [("invoke_agent Polite", [ANSWER])] * 2

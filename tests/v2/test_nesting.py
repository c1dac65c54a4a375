"""Subclassed agents on AgentScope 2.x. Agents called from a tool, the same
agent again included, on both lines, are in ``tests/lines/test_nesting.py``."""

from __future__ import annotations

import asyncio

from agentscope.agent import Agent
from agentscope.message import UserMsg

from tests.spantree import build_trees
from tests.v2.kit import (
    Script,
    ScriptedChatModel,
    Step,
    current_script,
    make_toolkit,
)

ANSWER = ("react step", [("chat scripted-model", [])])


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

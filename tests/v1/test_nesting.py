"""An agent called inside another agent's reply, on AgentScope 1.x. Agents
called from a tool, the same agent again included, on both lines, are in
``tests/lines/test_nesting.py``."""

from __future__ import annotations

import asyncio

from agentscope.agent import AgentBase
from agentscope.message import Msg

from tests.spantree import build_trees
from tests.v1.kit import Script, Step, call_with, make_agent

ANSWER = ("react step", [("chat scripted-model", [])])


def test_an_agent_called_inside_another_agents_reply_nests_under_that_call(traced) -> None:
    worker = make_agent(name="Worker")

    class Manager(AgentBase):
        """A custom agent that delegates its reply to another agent."""

        def __init__(self) -> None:
            super().__init__()
            self.name = "Manager"

        async def reply(self, msg: Msg) -> Msg:
            return await worker(msg)

        async def observe(self, msg) -> None:
            pass

        async def handle_interrupt(self, *args, **kwargs) -> Msg:
            return Msg(self.name, "interrupted", "assistant")

    asyncio.run(call_with(Manager(), Script("w", [Step(text="done")])))

    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_agent Manager", [("invoke_agent Worker", [ANSWER])])
    assert root.attributes["gen_ai.agent.name"] == "Manager"
    assert "gen_ai.request.model" not in root.attributes  # the manager has no model

"""Nested and re-entrant agent calls on AgentScope 1.x."""

from __future__ import annotations

import asyncio

from agentscope.agent import AgentBase
from agentscope.message import Msg, TextBlock
from agentscope.tool import Toolkit, ToolResponse

from tests.spantree import build_trees
from tests.v1.kit import Script, Step, call_with, current_script, make_agent

ANSWER = ("react step", [("chat scripted-model", [])])


def test_an_agent_calling_itself_from_a_tool_gets_a_nested_call_with_its_own_rounds(
    traced,
) -> None:
    toolkit = Toolkit()
    agent = make_agent(name="Echo", toolkit=toolkit)

    async def ask_myself(city: str) -> ToolResponse:
        """Ask the same agent again.

        Args:
            city (str): The city.
        """
        current_script.set(Script("inner", [Step(text="inner answer")]))
        answer = await agent(Msg("user", city, "user"))
        return ToolResponse(content=[TextBlock(type="text", text=answer.get_text_content())])

    toolkit.register_tool_function(ask_myself)
    asyncio.run(call_with(agent, Script("outer", [Step(tools=["ask_myself"]), Step(text="ok")])))

    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_agent Echo",
        [
            (
                "react step",
                [
                    ("chat scripted-model", []),
                    ("execute_tool ask_myself", [("invoke_agent Echo", [ANSWER])]),
                ],
            ),
            ANSWER,
        ],
    )
    inner = root.find("invoke_agent Echo")[1]
    assert [r.attributes["gen_ai.react.round"] for r in inner.children] == [1]
    assert [r.attributes["gen_ai.react.round"] for r in root.children] == [1, 2]

    # Token roll-ups count the nested call's model call where it ran.
    def rollup(node) -> tuple[int, int]:
        return (
            node.attributes["otelscope.usage.input_tokens"],
            node.attributes["otelscope.usage.output_tokens"],
        )

    assert rollup(inner) == (10, 5)
    assert [rollup(r) for r in root.children] == [(20, 10), (10, 5)]
    assert rollup(root) == (30, 15)
    # The standard keys stay on the model calls alone.
    assert all("gen_ai.usage.input_tokens" not in n.attributes for n in (root, inner))


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

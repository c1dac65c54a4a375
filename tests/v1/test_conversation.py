"""`gen_ai.conversation.id` on AgentScope 1.x.

A call the application did not name is in AgentScope's conversation, the run
id (``agentscope.init(run_id=...)``, else one per process); a call inside
``otelscope.conversation(...)`` is in the application's. Model and tool calls
outside any agent call carry an id only when the application set one.
"""

from __future__ import annotations

import asyncio

import agentscope
import pytest
from agentscope.agent import ReActAgent
from agentscope.message import Msg, TextBlock, ToolUseBlock
from agentscope.tool import Toolkit, ToolResponse

import otelscope
from tests.spantree import Node, build_trees
from tests.v1.kit import (
    Script,
    ScriptedChatModel,
    Step,
    call_with,
    current_script,
    make_agent,
    make_toolkit,
    run_id,
    two_tool_rounds,
)

KEY = "gen_ai.conversation.id"
# Every span of a call of two tool rounds, in walk order.
TWO_TOOL_ROUNDS = [
    "invoke_agent Friday",
    "react step",
    "chat scripted-model",
    "execute_tool get_weather",
    "react step",
    "chat scripted-model",
    "execute_tool get_weather",
    "react step",
    "chat scripted-model",
]
# Boss asks Helper from a tool: every span of both calls, in walk order.
NESTED = [
    ("invoke_agent Boss", "outer"),
    ("react step", "outer"),
    ("chat scripted-model", "outer"),
    ("execute_tool ask_helper", "outer"),
    ("invoke_agent Helper", "inner"),
    ("react step", "inner"),
    ("chat scripted-model", "inner"),
    ("react step", "outer"),
    ("chat scripted-model", "outer"),
]
MESSAGES = [{"role": "user", "content": "hi"}]


def conversations(root: Node) -> list[tuple[str, str | None]]:
    """(name, conversation id or None) of every span of the tree, in walk order."""
    return [(node.name, node.attributes.get(KEY)) for node in root.walk()]


def in_conversation(names: list[str], conversation_id: str) -> list[tuple[str, str]]:
    return [(name, conversation_id) for name in names]


def test_every_span_of_a_call_carries_agentscopes_run_id(traced) -> None:
    agent = make_agent()
    reply = asyncio.run(call_with(agent, two_tool_rounds("Paris")))

    assert reply.get_text_content() == "Done Paris"
    expected = run_id()
    assert isinstance(expected, str) and expected != ""
    [root] = build_trees(traced.spans())
    assert conversations(root) == in_conversation(TWO_TOOL_ROUNDS, expected)


def test_a_run_id_set_for_the_run_names_the_calls_started_after_it(traced) -> None:
    """``agentscope.init(run_id=...)`` sets ``_config.run_id``, a ContextVar:
    each call reads the run id of the context it starts in."""
    process_run_id = run_id()

    async def main() -> None:
        agentscope._config.run_id = "run-7"  # what agentscope.init(run_id="run-7") does
        await call_with(make_agent(), two_tool_rounds("Paris"))

    asyncio.run(main())

    assert run_id() == process_run_id  # the task's run id stayed in the task
    [root] = build_trees(traced.spans())
    assert conversations(root) == in_conversation(TWO_TOOL_ROUNDS, "run-7")


def test_a_conversation_set_by_the_application_wins_over_the_run_id(traced) -> None:
    agent = make_agent()

    async def main() -> None:
        with otelscope.conversation("conv-42"):
            await call_with(agent, two_tool_rounds("Paris"))
        # Once the block is left, calls are in AgentScope's conversation again.
        await call_with(agent, two_tool_rounds("Rome"))

    asyncio.run(main())

    assert run_id() != "conv-42"
    named, unnamed = build_trees(traced.spans())
    assert named.find("chat scripted-model")[0].attributes["gen_ai.response.id"] == "resp-Paris"
    assert conversations(named) == in_conversation(TWO_TOOL_ROUNDS, "conv-42")
    assert conversations(unnamed) == in_conversation(TWO_TOOL_ROUNDS, run_id())


def test_overlapping_calls_in_two_conversations_keep_their_own_ids(traced) -> None:
    """Two tasks call one agent at once, each inside its own conversation."""
    agent = make_agent()

    async def converse(conversation_id: str, tag: str) -> str | None:
        with otelscope.conversation(conversation_id):
            reply = await call_with(agent, two_tool_rounds(tag, delay=0.005))
        return reply.get_text_content()

    async def main() -> list[str | None]:
        return await asyncio.gather(converse("conv-a", "A"), converse("conv-b", "B"))

    assert asyncio.run(main()) == ["Done A", "Done B"]
    roots = build_trees(traced.spans())
    by_tag = {
        root.find("chat scripted-model")[0].attributes["gen_ai.response.id"]: root for root in roots
    }
    assert sorted(by_tag) == ["resp-A", "resp-B"]
    a, b = by_tag["resp-A"].span, by_tag["resp-B"].span
    assert a.start_time < b.end_time and b.start_time < a.end_time  # they overlapped
    assert conversations(by_tag["resp-A"]) == in_conversation(TWO_TOOL_ROUNDS, "conv-a")
    assert conversations(by_tag["resp-B"]) == in_conversation(TWO_TOOL_ROUNDS, "conv-b")


def boss_asking_helper() -> tuple[ReActAgent, Script]:
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
    boss = make_agent(name="Boss", toolkit=toolkit)
    return boss, Script("outer", [Step(tools=["ask_helper"]), Step(text="ok")])


@pytest.mark.parametrize(
    "chosen", [pytest.param("conv-42", id="named"), pytest.param(None, id="unnamed")]
)
def test_an_agent_called_from_a_tool_is_in_the_outer_calls_conversation(traced, chosen) -> None:
    """On 1.x the run id is the same for both agents (one per process), and a
    conversation the application set covers the nested call as well."""
    boss, script = boss_asking_helper()

    async def main() -> None:
        if chosen is None:
            await call_with(boss, script)
            return
        with otelscope.conversation(chosen):
            await call_with(boss, script)

    asyncio.run(main())

    expected = chosen if chosen is not None else run_id()
    [root] = build_trees(traced.spans())
    assert conversations(root) == [(name, expected) for name, _ in NESTED]


def test_a_model_or_tool_called_outside_any_call_has_a_conversation_only_if_one_was_set(
    traced,
) -> None:
    model = ScriptedChatModel()
    toolkit = make_toolkit()

    async def use_directly(tag: str) -> None:
        current_script.set(Script(tag, [Step(text="hi")]))
        await model(MESSAGES)
        tool_call = ToolUseBlock(
            type="tool_use", id=f"{tag}-t", name="get_weather", input={"city": tag}
        )
        async for _ in await toolkit.call_tool_function(tool_call):
            pass

    async def main() -> None:
        await use_directly("bare")
        with otelscope.conversation("conv-7"):
            await use_directly("named")

    asyncio.run(main())

    roots = build_trees(traced.spans())
    assert [root.shape() for root in roots] == [
        ("chat scripted-model", []),
        ("execute_tool get_weather", []),
    ] * 2
    bare_chat, bare_tool, named_chat, named_tool = roots

    def chat(tag: str) -> dict:
        return {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "unknown",
            "gen_ai.request.model": "scripted-model",
            "gen_ai.request.stream": False,
            "gen_ai.response.id": f"resp-{tag}",
            "gen_ai.usage.input_tokens": 10,
            "gen_ai.usage.output_tokens": 5,
        }

    def tool(tag: str) -> dict:
        return {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "get_weather",
            "gen_ai.tool.call.id": f"{tag}-t",
            "gen_ai.tool.type": "function",
            "gen_ai.tool.description": "Get the weather of a city.",
        }

    assert bare_chat.attributes == chat("bare")
    assert bare_tool.attributes == tool("bare")
    assert named_chat.attributes == {**chat("named"), KEY: "conv-7"}
    assert named_tool.attributes == {**tool("named"), KEY: "conv-7"}


def test_an_empty_conversation_id_is_refused(traced) -> None:
    with pytest.raises(ValueError, match="non-empty string"), otelscope.conversation(""):
        pass

    # Nothing was set: the next call is in AgentScope's conversation.
    asyncio.run(call_with(make_agent(), two_tool_rounds("Paris")))
    [root] = build_trees(traced.spans())
    assert conversations(root) == in_conversation(TWO_TOOL_ROUNDS, run_id())

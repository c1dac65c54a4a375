"""`gen_ai.conversation.id` on both AgentScope lines.

A call the application did not name is in AgentScope's conversation: on 1.x
the run id (``agentscope.init(run_id=...)``, else one per process), on 2.x
the session id of the agent's state (one per agent unless set). A call
inside ``otelscope.conversation(...)`` is in the application's. Model and
tool calls outside any agent call carry an id only when the application set
one. How each line's own conversation is set is in ``tests/v1`` and
``tests/v2``'s ``test_conversation.py``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import otelscope
from tests.lines.line import kit, per_line
from tests.lines.nested_calls import boss_asking_helper
from tests.spantree import Node, build_trees

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
# Boss asks Helper from a tool: every span of both calls, in walk order, and
# whose call ("outer": Boss's, "inner": Helper's) each span belongs to.
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


def conversations(root: Node) -> list[tuple[str, str | None]]:
    """(name, conversation id or None) of every span of the tree, in walk order."""
    return [(node.name, node.attributes.get(KEY)) for node in root.walk()]


def in_conversation(names: list[str], conversation: str) -> list[tuple[str, str]]:
    return [(name, conversation) for name in names]


def test_every_span_of_a_call_carries_agentscopes_conversation(traced) -> None:
    agent = kit.make_agent()
    reply = asyncio.run(kit.call_with(agent, kit.two_tool_rounds("Paris")))

    assert kit.reply_text(reply) == "Done Paris"
    expected = kit.conversation_id(agent)
    assert isinstance(expected, str) and expected != ""
    [root] = build_trees(traced.spans())
    assert conversations(root) == in_conversation(TWO_TOOL_ROUNDS, expected)


def test_a_conversation_set_by_the_application_wins_over_agentscopes(traced) -> None:
    agent = kit.make_agent()

    async def main() -> None:
        with otelscope.conversation("conv-42"):
            await kit.call_with(agent, kit.two_tool_rounds("Paris"))
        # Once the block is left, calls are in AgentScope's conversation again.
        await kit.call_with(agent, kit.two_tool_rounds("Rome"))

    asyncio.run(main())

    assert kit.conversation_id(agent) != "conv-42"
    named, unnamed = build_trees(traced.spans())
    assert named.find("chat scripted-model")[0].attributes["gen_ai.response.id"] == "resp-Paris"
    assert conversations(named) == in_conversation(TWO_TOOL_ROUNDS, "conv-42")
    assert conversations(unnamed) == in_conversation(TWO_TOOL_ROUNDS, kit.conversation_id(agent))


def test_overlapping_calls_in_two_conversations_keep_their_own_ids(traced) -> None:
    """Two tasks call at once, each inside its own conversation: one agent on
    1.x, two on 2.x (whose agents cannot serve overlapping replies)."""
    one = kit.make_agent()
    agents = {
        "A": one,
        "B": one if kit.ONE_AGENT_SERVES_OVERLAPPING_CALLS else kit.make_agent(),
    }

    async def converse(conversation: str, tag: str) -> Any:
        with otelscope.conversation(conversation):
            reply = await kit.call_with(agents[tag], kit.two_tool_rounds(tag, delay=0.005))
        return kit.reply_text(reply)

    async def main() -> list[Any]:
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


def test_an_agent_called_from_a_tool_is_in_the_conversation_the_application_set(traced) -> None:
    """A conversation the application set covers the nested call as well."""
    boss, _, script = boss_asking_helper()

    async def main() -> None:
        with otelscope.conversation("conv-42"):
            await kit.call_with(boss, script)

    asyncio.run(main())

    [root] = build_trees(traced.spans())
    assert conversations(root) == [(name, "conv-42") for name, _ in NESTED]


def test_an_agent_called_from_a_tool_is_in_agentscopes_conversation_when_none_was_set(
    traced,
) -> None:
    """Without an application's conversation, each agent's call is in
    AgentScope's: on 1.x the one run id, the same for both agents; on 2.x the
    agent's own session, so the nested call carries the helper's session id,
    while the tool span that runs it stays in the boss's."""
    boss, helper, script = boss_asking_helper()
    asyncio.run(kit.call_with(boss, script))

    sessions = {"outer": kit.conversation_id(boss), "inner": kit.conversation_id(helper)}
    assert (sessions["outer"] == sessions["inner"]) is per_line(v1=True, v2=False)
    [root] = build_trees(traced.spans())
    assert conversations(root) == [(name, sessions[whose]) for name, whose in NESTED]


def test_a_model_or_tool_called_outside_any_call_has_a_conversation_only_if_one_was_set(
    traced,
) -> None:
    model = kit.ScriptedChatModel()
    toolkit = kit.make_toolkit()

    async def use_directly(tag: str) -> None:
        kit.current_script.set(kit.Script(tag, [kit.Step(text="hi")]))
        await model(kit.model_input("hi"))
        await kit.call_tool_directly(toolkit, f"{tag}-t", "get_weather", tag)

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
    agent = kit.make_agent()
    asyncio.run(kit.call_with(agent, kit.two_tool_rounds("Paris")))
    [root] = build_trees(traced.spans())
    assert conversations(root) == in_conversation(TWO_TOOL_ROUNDS, kit.conversation_id(agent))

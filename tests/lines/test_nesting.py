"""Nested agent calls on both AgentScope lines: an agent called from a
tool, another one or the very agent whose call runs the tool.

What differs by line (an agent called inside another's reply on 1.x,
subclasses calling their base on 2.x) is in ``tests/v1`` and ``tests/v2``'s
``test_nesting.py``.
"""

from __future__ import annotations

import asyncio

from tests.lines.line import kit
from tests.lines.nested_calls import boss_asking_helper, echo_asking_itself
from tests.spantree import build_trees

ANSWER = ("react step", [("chat scripted-model", [])])


def test_an_agent_called_from_a_tool_nests_under_that_tool(traced) -> None:
    boss, helper, script = boss_asking_helper()
    reply = asyncio.run(kit.call_with(boss, script))

    assert kit.reply_text(reply) == "ok"
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
    assert kit.nothing_left_on(boss) and kit.nothing_left_on(helper)


def test_an_agent_calling_itself_from_a_tool_gets_a_nested_call_with_its_own_rounds(
    traced,
) -> None:
    agent, script = echo_asking_itself()
    asyncio.run(kit.call_with(agent, script))

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
    assert kit.nothing_left_on(agent)

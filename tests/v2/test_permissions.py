"""Tool permission decisions and human approval on AgentScope 2.x: a real
``PermissionEngine`` with rules that allow, deny and ask, a reply suspended
for the user's approval and resumed with the answer (1.x has no
permissions)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from agentscope.agent import Agent, ReActConfig
from agentscope.event import ConfirmResult, UserConfirmResultEvent
from agentscope.message import Msg
from agentscope.permission import PermissionBehavior, PermissionContext, PermissionRule
from agentscope.state import AgentState
from agentscope.tool import FunctionTool, Toolkit
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import StatusCode

from otelscope.core.guard import take_internal_errors
from tests.conftest import Traced
from tests.spantree import Node, build_trees
from tests.v2 import kit

TOOL_ROUND = ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])])
ANSWER_ROUND = ("react step", [("chat scripted-model", [])])


def gated_agent(name: str = "Friday", rule: str | None = None) -> Agent:
    """An agent whose ``get_weather`` declares no permission of its own, so
    the engine decides: by ``rule`` (allow, deny) when given, else it asks."""
    context = PermissionContext()
    if rule is not None:
        behavior = PermissionBehavior(rule)
        rules = {
            "get_weather": [
                PermissionRule(
                    tool_name="get_weather", rule_content=None, behavior=behavior, source="test"
                )
            ]
        }
        context = PermissionContext(**{f"{rule}_rules": rules})
    return Agent(
        name=name,
        system_prompt="You are a test agent.",
        model=kit.ScriptedChatModel(),
        toolkit=Toolkit(tools=[FunctionTool(kit.get_weather)]),
        state=AgentState(permission_context=context),
        react_config=ReActConfig(max_iters=5),
    )


def decision(node: Node) -> dict[str, Any]:
    """The permission attributes of ``node``; the wait, measured, checked apart."""
    found = {k: v for k, v in node.attributes.items() if k.startswith("otelscope.permission.")}
    waited = found.pop("otelscope.permission.wait_duration")
    assert isinstance(waited, float) and waited >= 0
    return found


def tool_span(tree: Node) -> Node:
    (tool,) = tree.find("execute_tool get_weather")
    return tool


def answer(agent: Agent, confirmed: bool) -> UserConfirmResultEvent:
    """The user's answer to the tool call ``agent`` waits for."""
    (waiting,) = [
        b for b in agent.state.context[-1].content if getattr(b, "type", "") == "tool_call"
    ]
    return UserConfirmResultEvent(
        reply_id=agent.state.reply_id,
        confirm_results=[ConfirmResult(confirmed=confirmed, tool_call=waiting)],
    )


def test_an_allow_rule_is_recorded_on_the_tool_that_runs(traced) -> None:
    reply = asyncio.run(kit.call_with(gated_agent(rule="allow"), kit.one_tool_round("Paris")))

    assert kit.reply_text(reply) == "Done Paris"
    [tree] = build_trees(traced.spans())
    assert tree.shape() == ("invoke_agent Friday", [TOOL_ROUND, ANSWER_ROUND])
    tool = tool_span(tree)
    kit.assert_ok(tool)
    # AgentScope names no allow rule in its decision: the mode is what is known.
    assert decision(tool) == {
        "otelscope.permission.decision": "allow",
        "otelscope.permission.decided_by": "policy",
        "otelscope.permission.mode": "default",
    }


def test_a_denied_tool_call_ends_its_span_as_permission_denied(traced) -> None:
    script = kit.one_tool_round("Paris")
    reply = asyncio.run(kit.call_with(gated_agent(rule="deny"), script))

    assert kit.reply_text(reply) == "Done Paris"
    assert script.tool_runs == 0
    [tree] = build_trees(traced.spans())
    assert tree.shape() == ("invoke_agent Friday", [TOOL_ROUND, ANSWER_ROUND])
    tool = tool_span(tree)
    assert tool.status == StatusCode.ERROR
    assert tool.span.status.description == "Permission to use get_weather has been denied"
    assert tool.attributes["error.type"] == "permission_denied"
    assert tool.attributes["gen_ai.tool.call.id"] == "Paris-1-0"
    assert decision(tool) == {
        "otelscope.permission.decision": "deny",
        "otelscope.permission.decided_by": "policy",
        "otelscope.permission.reason": "Rule: None",
        "otelscope.permission.mode": "default",
    }
    (point,) = traced.metrics()["gen_ai.execute_tool.duration"]
    assert point.attributes["error.type"] == "permission_denied"


def test_a_reply_suspended_for_approval_is_linked_from_the_reply_that_resumes_it(traced) -> None:
    agent = gated_agent()
    script = kit.one_tool_round("Paris")

    async def ask_then_approve() -> tuple[Msg, Msg]:
        waiting = await kit.call_with(agent, script)
        return waiting, await agent.reply(answer(agent, confirmed=True))

    waiting, reply = asyncio.run(ask_then_approve())

    assert kit.reply_text(waiting).startswith("I'm waiting for your permission")
    assert kit.reply_text(reply) == "Done Paris"
    assert script.tool_runs == 1
    suspended, resumed = build_trees(traced.spans())
    assert suspended.shape() == ("invoke_agent Friday", [TOOL_ROUND])
    asked = tool_span(suspended)
    kit.assert_ok(asked)
    assert decision(asked) == {
        "otelscope.permission.decision": "ask",
        "otelscope.permission.decided_by": "policy",
        "otelscope.permission.reason": "Mode: default",
        "otelscope.permission.mode": "default",
    }
    # The asked call did not run: no tool duration point for it.
    (point,) = traced.metrics()["gen_ai.execute_tool.duration"]
    assert "error.type" not in point.attributes
    assert resumed.shape() == (
        "invoke_agent Friday",
        [("react step", [("execute_tool get_weather", [])]), ANSWER_ROUND],
    )
    assert resumed.span.context.trace_id != suspended.span.context.trace_id
    [link] = resumed.span.links
    assert link.context == suspended.span.context
    assert dict(link.attributes or {}) == {"otelscope.link.relation": "resumes"}
    ran = tool_span(resumed)
    kit.assert_ok(ran)
    assert decision(ran) == {
        "otelscope.permission.decision": "allow",
        "otelscope.permission.decided_by": "user",
        "otelscope.permission.reason": "Mode: default",
        "otelscope.permission.mode": "default",
    }


def test_a_tool_call_the_user_refuses_ends_as_permission_denied(traced) -> None:
    agent = gated_agent()
    script = kit.one_tool_round("Paris")

    async def ask_then_refuse() -> Msg:
        await kit.call_with(agent, script)
        return await agent.reply(answer(agent, confirmed=False))

    reply = asyncio.run(ask_then_refuse())

    assert kit.reply_text(reply) == "Done Paris"
    assert script.tool_runs == 0
    suspended, resumed = build_trees(traced.spans())
    assert resumed.shape() == (
        "invoke_agent Friday",
        [("react step", [("execute_tool get_weather", [])]), ANSWER_ROUND],
    )
    [link] = resumed.span.links
    assert link.context == suspended.span.context
    refused = tool_span(resumed)
    assert refused.attributes["error.type"] == "permission_denied"
    assert refused.span.status.description == "The user refused to run the tool"
    assert decision(refused) == {
        "otelscope.permission.decision": "deny",
        "otelscope.permission.decided_by": "user",
        "otelscope.permission.reason": "Mode: default",
        "otelscope.permission.mode": "default",
    }


@pytest.mark.parametrize("mode", ["SPAN_ONLY", "NO_CONTENT"])
def test_an_asked_tool_call_shows_its_arguments_only_with_capture_on(capture, mode: str) -> None:
    capture.instrument(capture_content=mode)
    asyncio.run(kit.call_with(gated_agent(), kit.one_tool_round("Paris")))

    [tree] = build_trees(capture.traced.spans())
    arguments = tool_span(tree).attributes.get("gen_ai.tool.call.arguments")
    assert arguments == ('{"city": "Paris"}' if mode == "SPAN_ONLY" else None)


def test_a_dropped_trace_builds_nothing_for_decisions_or_links() -> None:
    dropped = Traced(sampler=ALWAYS_OFF)
    dropped.instrument()
    try:
        agent = gated_agent()

        async def ask_then_approve() -> Msg:
            await kit.call_with(agent, kit.one_tool_round("Paris"))
            return await agent.reply(answer(agent, confirmed=True))

        reply = asyncio.run(ask_then_approve())
        denied = asyncio.run(kit.call_with(gated_agent(rule="deny"), kit.one_tool_round("Oslo")))
    finally:
        dropped.instrumentor.uninstrument()

    assert kit.reply_text(reply) == "Done Paris"
    assert kit.reply_text(denied) == "Done Oslo"
    assert dropped.spans() == []
    assert take_internal_errors() == []


def test_overlapping_calls_on_separate_agents_keep_each_decision_on_its_own_call(traced) -> None:
    agents = [gated_agent(f"A{i}", rule="allow" if i % 2 else "deny") for i in range(6)]

    async def overlapping() -> list[Msg]:
        async def one(agent: Agent, tag: str) -> Msg:
            return await kit.call_with(agent, kit.two_tool_rounds(tag, delay=0.002))

        return await asyncio.gather(*(one(agent, f"C{i}") for i, agent in enumerate(agents)))

    replies = asyncio.run(overlapping())

    assert [kit.reply_text(reply) for reply in replies] == [f"Done C{i}" for i in range(6)]
    trees = {tree.name: tree for tree in build_trees(traced.spans())}
    for i in range(6):
        tools = trees[f"invoke_agent A{i}"].find("execute_tool get_weather")
        assert [tool.attributes["gen_ai.tool.call.id"] for tool in tools] == [
            f"C{i}-1-0",
            f"C{i}-2-0",
        ]
        expected = "allow" if i % 2 else "deny"
        assert [decision(tool)["otelscope.permission.decision"] for tool in tools] == [expected] * 2

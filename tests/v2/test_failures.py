"""Failures and cancellations of AgentScope 2.x agent calls.

What AgentScope 2.0.11 does, and so what the caller must see unchanged:

- a model that raises: ``Agent._call_model`` re-raises the exception (``raise
  ... from None``) and ``Agent.reply`` raises it;
- a tool that raises: ``Toolkit.call_tool`` turns the exception into an
  ``error`` tool result, and the reply goes on;
- a cancelled reply: ``ChatModelBase.__call__`` and ``Toolkit.call_tool``
  absorb the ``CancelledError`` into an "interrupted" response / tool result,
  and ``_reply_impl`` ends the reply with ``ReplyEndEvent(INTERRUPTED)`` and a
  fallback message, or re-raises when
  ``ReActConfig(interruption_raise_cancelled_error=True)``.

Each test runs the same scenario once traced and once after
``uninstrument()``, and compares what the caller got.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import pytest
from agentscope.agent import Agent, ReActConfig
from agentscope.message import TextBlock, ToolResultBlock
from agentscope.tool import ToolChunk, ToolResponse
from opentelemetry.trace import StatusCode

from otelscope.agentscope_v2 import readers
from otelscope.core.tool_call import ToolOutcome
from tests.spantree import Node, build_trees
from tests.v2.kit import (
    Gate,
    GatedChatModel,
    GatedWeather,
    OpenSpans,
    Script,
    Step,
    assert_cancelled,
    assert_failed,
    assert_ok,
    call_with,
    conversation_id,
    make_agent,
    make_toolkit,
    no_middleware_left,
    outcome_of,
)

ONE_ROUND = ("invoke_agent Friday", [("react step", [("chat scripted-model", [])])])
TWO_ROUNDS_WITH_TOOLS = (
    "invoke_agent Friday",
    [
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
    ],
)
INTERRUPTION_TEXT = ReActConfig().interruption_message


def result_blocks(agent: Agent) -> list[tuple[str, str]]:
    """(state, text) of every tool result in the agent's context."""
    found = []
    for msg in agent.state.context:
        for block in msg.content:
            if isinstance(block, ToolResultBlock):
                output = block.output
                text = (
                    output
                    if isinstance(output, str)
                    else "".join(b.text for b in output if isinstance(b, TextBlock))
                )
                found.append((str(block.state), text))
    return found


# -- A model that raises ------------------------------------------------------


async def raised_by(awaitable: Awaitable[Any]) -> BaseException:
    try:
        await awaitable
    except Exception as error:
        return error
    raise AssertionError("the call did not raise")


def test_a_model_error_propagates_unchanged_and_fails_every_span_up_to_the_agent(traced) -> None:
    seen: dict[str, tuple[Any, ...]] = {}
    traced_spans: list[Any] = []
    traced_agent: Agent | None = None
    for run in ("traced", "untraced"):
        error = ValueError("boom")
        script = Script("P", [Step(error=error)])
        agent = make_agent()
        caught = asyncio.run(raised_by(call_with(agent, script)))
        # The very exception the model raised reaches the caller.
        assert caught is error
        seen[run] = (
            type(caught),
            caught.args,
            caught.__cause__,
            caught.__suppress_context__,
            script.calls_made,
        )
        assert no_middleware_left(agent)
        if run == "traced":
            traced_spans = traced.spans()
            traced_agent = agent
            traced.instrumentor.uninstrument()

    assert seen["traced"] == seen["untraced"]
    assert seen["traced"][:2] == (ValueError, ("boom",))
    assert seen["traced"][4] == 1  # the model ran exactly once
    assert traced.spans() == traced_spans  # nothing traced after uninstrument()

    [root] = build_trees(traced_spans)
    assert root.shape() == ONE_ROUND
    [react_round] = root.children
    [chat] = react_round.children
    for node in (root, react_round, chat):
        assert_failed(node, "ValueError", "ValueError: boom", "boom")
    # Every span of the call is in the traced agent's session.
    assert traced_agent is not None
    conversation = conversation_id(traced_agent)
    assert chat.attributes == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "unknown",
        "gen_ai.request.model": "scripted-model",
        "gen_ai.request.stream": False,
        "gen_ai.conversation.id": conversation,
        "error.type": "ValueError",
    }
    assert react_round.attributes == {
        "gen_ai.operation.name": "react",
        "gen_ai.react.round": 1,
        "gen_ai.conversation.id": conversation,
        "error.type": "ValueError",
    }
    assert root.attributes == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "Friday",
        "gen_ai.agent.id": root.attributes["gen_ai.agent.id"],
        "gen_ai.provider.name": "unknown",
        "gen_ai.request.model": "scripted-model",
        "gen_ai.conversation.id": conversation,
        "error.type": "ValueError",
    }


# -- A tool that raises -------------------------------------------------------


def test_a_tool_error_becomes_an_error_result_and_the_reply_completes(traced) -> None:
    seen: dict[str, tuple[Any, ...]] = {}
    traced_spans: list[Any] = []
    tool_span_parents: list[int] = []
    traced_agent: Agent | None = None
    for run in ("traced", "untraced"):
        script = Script(
            "P",
            [Step(tools=["get_weather"]), Step(text="Recovered")],
            tool_error=RuntimeError("tool broke"),
        )
        agent = make_agent()
        outcome = asyncio.run(outcome_of(call_with(agent, script)))
        # `tool_parents` gets one entry per run of the tool body.
        seen[run] = (outcome, script.calls_made, len(script.tool_parents), result_blocks(agent))
        assert no_middleware_left(agent)
        if run == "traced":
            traced_spans = traced.spans()
            tool_span_parents = list(script.tool_parents)
            traced_agent = agent
            traced.instrumentor.uninstrument()

    assert seen["traced"] == seen["untraced"]
    assert seen["traced"] == (
        ("returned", "completed", "Recovered"),
        2,
        1,
        [("error", "tool broke")],
    )
    assert traced.spans() == traced_spans

    [root] = build_trees(traced_spans)
    assert root.shape() == (
        "invoke_agent Friday",
        [
            ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
            ("react step", [("chat scripted-model", [])]),
        ],
    )
    # 2.x absorbs the tool's exception into an "error" ToolResponse: nothing
    # is raised, the call completes, and only the tool's span is an error.
    tool = root.children[0].children[1]
    for node in root.walk():
        if node is not tool:
            assert_ok(node)
    assert tool.status == StatusCode.ERROR
    assert tool.span.status.description == "tool broke"
    assert list(tool.span.events) == []  # the exception itself never surfaced
    assert traced_agent is not None
    assert tool.attributes == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.id": "P-1-0",
        "gen_ai.tool.type": "function",
        "gen_ai.tool.description": "Get the weather of a city.",
        "gen_ai.conversation.id": conversation_id(traced_agent),
        "error.type": "tool_error",
    }
    assert [r.attributes["gen_ai.react.finish_reason"] for r in root.children] == [
        "tool_calls",
        "stop",
    ]
    # The failing tool body ran under its own execute_tool span.
    assert tool_span_parents == [tool.span.context.span_id]


def test_a_tool_response_of_a_subclass_tells_how_the_tool_ended() -> None:
    class AppToolResponse(ToolResponse):
        """An application's own tool response class."""

    def ended(state: str) -> ToolOutcome | None:
        return readers.tool_outcome(
            AppToolResponse(content=[TextBlock(text="tool broke")], state=state)
        )

    # The final response: a consumer that stops reading after it ended a
    # completed call.
    assert ended("error") == ToolOutcome(error="tool broke", final=True)
    assert ended("interrupted") == ToolOutcome(interrupted=True, final=True)
    assert ended("success") == ToolOutcome(final=True)
    # The chunks before the final response say nothing.
    assert readers.tool_outcome(ToolChunk(content=[TextBlock(text="x")])) is None


# -- Cancellation ---------------------------------------------------------------

CANCELLED, OK, OPEN_ROUND = "cancelled", "ok", "open round"


@dataclass(frozen=True)
class Cancellation:
    """Where a call is stopped, how, and the spans (in walk order) it leaves."""

    where: str  # "model": first model call; "tool": second tool run (round 2)
    how: str  # "cancel": task.cancel(); "wait_for": asyncio.wait_for timeout
    shape: tuple[str, list[Any]]
    walk: tuple[tuple[str, str], ...]


MODEL_WALK = (
    ("invoke_agent Friday", CANCELLED),
    ("react step", OPEN_ROUND),
    ("chat scripted-model", CANCELLED),
)
TOOL_WALK = (
    ("invoke_agent Friday", CANCELLED),
    ("react step", OK),
    ("chat scripted-model", OK),
    ("execute_tool get_weather", OK),
    ("react step", OPEN_ROUND),
    ("chat scripted-model", OK),
    ("execute_tool get_weather", CANCELLED),
)
CANCELLATIONS = {
    "cancel-in-model": Cancellation("model", "cancel", ONE_ROUND, MODEL_WALK),
    "cancel-in-tool-round-2": Cancellation("tool", "cancel", TWO_ROUNDS_WITH_TOOLS, TOOL_WALK),
    "wait_for-timeout-in-model": Cancellation("model", "wait_for", ONE_ROUND, MODEL_WALK),
}


async def run_cancellation(
    case: Cancellation, raise_cancelled: bool
) -> tuple[tuple[Any, ...], Agent]:
    """Run the scenario once; return what the caller got and what ran, and
    the agent that ran it."""
    gate = Gate()
    tool = GatedWeather(gate, on_runs=(2,) if case.where == "tool" else ())
    model = GatedChatModel(gate, on_calls=(1,) if case.where == "model" else ())
    script = Script(
        "P", [Step(tools=["get_weather"]), Step(tools=["get_weather"]), Step(text="Done")]
    )
    agent = make_agent(model=model, toolkit=make_toolkit(tool.function))
    agent.react_config = ReActConfig(
        max_iters=10, interruption_raise_cancelled_error=raise_cancelled
    )
    if case.how == "wait_for":
        # The gate never opens: the timeout fires while the model waits there,
        # a whole second after the call started, time enough for a loaded
        # machine to bring the call to the gate.
        outcome = await outcome_of(asyncio.wait_for(call_with(agent, script), timeout=1.0))
    else:
        task = asyncio.create_task(call_with(agent, script))
        await gate.arrived.wait()
        task.cancel()
        outcome = await outcome_of(task)
    assert gate.arrived.is_set()
    assert no_middleware_left(agent)
    return (outcome, script.calls_made, tool.runs), agent


def expected_outcome(case: Cancellation, raise_cancelled: bool) -> tuple[Any, ...]:
    if not raise_cancelled:
        return ("returned", "interrupted", INTERRUPTION_TEXT)
    if case.how == "wait_for":
        return ("raised", TimeoutError, "")
    return ("raised", asyncio.CancelledError, "")


def cancelled_tree(traced, case: Cancellation, raise_cancelled: bool) -> tuple[Node, Agent]:
    """Run the scenario traced, then untraced; check the caller saw the same.
    Return the traced call's tree and its agent."""
    open_spans = OpenSpans()
    traced.provider.add_span_processor(open_spans)
    seen, agent = asyncio.run(run_cancellation(case, raise_cancelled))
    spans = traced.spans()
    assert open_spans.names() == []  # every span of the call ended
    traced.instrumentor.uninstrument()
    seen_untraced, _ = asyncio.run(run_cancellation(case, raise_cancelled))

    assert seen == seen_untraced
    calls, runs = (1, 0) if case.where == "model" else (2, 2)
    assert seen == (expected_outcome(case, raise_cancelled), calls, runs)
    assert traced.spans() == spans
    [root] = build_trees(spans)
    assert root.shape() == case.shape
    return root, agent


def cancellation_params() -> list[Any]:
    return [
        pytest.param(name, raise_cancelled, id=f"{name}-{'raise' if raise_cancelled else 'absorb'}")
        for name in CANCELLATIONS
        for raise_cancelled in (False, True)
    ]


@pytest.mark.parametrize(("name", "raise_cancelled"), cancellation_params())
def test_cancellation_keeps_the_outcome_and_marks_what_was_running(
    traced, name: str, raise_cancelled: bool
) -> None:
    case = CANCELLATIONS[name]
    root, agent = cancelled_tree(traced, case, raise_cancelled)

    nodes = list(root.walk())
    assert [n.name for n in nodes] == [name for name, _ in case.walk]
    for node, (_, expected) in zip(nodes, case.walk, strict=True):
        if expected == CANCELLED:
            assert_cancelled(node)
        elif expected == OK:
            assert_ok(node)
    assert root.attributes == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "Friday",
        "gen_ai.agent.id": root.attributes["gen_ai.agent.id"],
        "gen_ai.provider.name": "unknown",
        "gen_ai.request.model": "scripted-model",
        "gen_ai.conversation.id": conversation_id(agent),
        "error.type": "cancelled",
        **rolled_up_tokens(case),
    }
    # Completed rounds before the cancelled one end as normal tool rounds.
    rounds = root.children
    assert [r.attributes["gen_ai.react.finish_reason"] for r in rounds[:-1]] == (
        ["tool_calls"] * (len(rounds) - 1)
    )


def rolled_up_tokens(case) -> dict:
    """The call's roll-up: 10 in / 5 out for each model call that completed
    (a cancelled 2.x model call reports no usage)."""
    done = sum(1 for name, expected in case.walk if name.startswith("chat") and expected == OK)
    if done == 0:
        return {}
    return {"otelscope.usage.input_tokens": 10 * done, "otelscope.usage.output_tokens": 5 * done}


@pytest.mark.parametrize(("name", "raise_cancelled"), cancellation_params())
def test_cancellation_marks_the_open_react_step_cancelled(
    traced, name: str, raise_cancelled: bool
) -> None:
    case = CANCELLATIONS[name]
    root, _ = cancelled_tree(traced, case, raise_cancelled)

    [open_round] = [
        node
        for node, (_, expected) in zip(root.walk(), case.walk, strict=True)
        if expected == OPEN_ROUND
    ]
    assert_cancelled(open_round)

"""Load on AgentScope 2.x: 1,000 distinct agents sharing one model and one
toolkit, in one event loop and across eight threads with a loop each; exact
traces, no internal error, every agent's middleware detached, and nothing of
otelscope's left behind."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from agentscope.agent import Agent

from tests.load import (
    CALLS,
    CALLS_PER_THREAD,
    LIVE_OBJECT_GROWTH_BOUND,
    THREADS,
    assert_each_trace_is_its_own_call,
    live_objects,
    run_in_threads,
    surviving_call_objects,
)
from tests.v2.kit import (
    Script,
    ScriptedChatModel,
    call_with,
    make_agent,
    make_toolkit,
    no_middleware_left,
    one_tool_round,
    reply_text,
)

pytestmark = pytest.mark.load


def call_all(agents: list[Agent], scripts: list[Script]) -> None:
    """Call each agent with its script, all at once, in a new event loop."""

    async def main() -> list[Any]:
        return await asyncio.gather(
            *(call_with(agent, script) for agent, script in zip(agents, scripts, strict=True))
        )

    replies = asyncio.run(main())
    assert [reply_text(reply) for reply in replies] == [f"Done {s.tag}" for s in scripts]


def agents_for(scripts: list[Script], model: Any, toolkit: Any) -> list[Agent]:
    """An agent per script, named after its tag, all on ``model`` and ``toolkit``."""
    return [make_agent(name=s.tag, model=model, toolkit=toolkit) for s in scripts]


def named_after(tag: str) -> str:
    return f"invoke_agent {tag}"


def assert_nothing_attached(agents: list[Agent]) -> None:
    assert all(no_middleware_left(agent) for agent in agents)


def test_a_thousand_agents_sharing_a_model_and_toolkit_and_live_objects_stay_flat(
    traced_without_exemplars,
) -> None:
    traced = traced_without_exemplars
    model, toolkit = ScriptedChatModel(), make_toolkit()
    live = []
    # The same calls three times. The first fills what AgentScope and the SDK
    # keep for good (its JSON-schema validators, one metric series per agent
    # name); the second and third must then leave as many objects alive.
    for _ in range(3):
        scripts = [one_tool_round(f"c{i:04d}") for i in range(CALLS)]
        agents = agents_for(scripts, model, toolkit)
        call_all(agents, scripts)
        assert_each_trace_is_its_own_call(traced.spans(), scripts, named_after)
        assert_nothing_attached(agents)
        traced.exporter.clear()
        del agents
        assert surviving_call_objects() == {}
        live.append(live_objects())
    assert live[2] - live[1] < LIVE_OBJECT_GROWTH_BOUND


def test_a_thousand_agents_from_eight_threads_with_a_loop_each(traced) -> None:
    model, toolkit = ScriptedChatModel(), make_toolkit()
    per_thread = [
        [one_tool_round(f"t{thread}-{i:03d}") for i in range(CALLS_PER_THREAD)]
        for thread in range(THREADS)
    ]
    agents = [agents_for(scripts, model, toolkit) for scripts in per_thread]

    errors = run_in_threads(
        [lambda a=a, s=s: call_all(a, s) for a, s in zip(agents, per_thread, strict=True)]
    )

    assert errors == []
    assert_each_trace_is_its_own_call(
        traced.spans(), [s for scripts in per_thread for s in scripts], named_after
    )
    assert_nothing_attached([agent for group in agents for agent in group])
    assert surviving_call_objects() == {}

"""Load on AgentScope 1.x: 1,000 overlapping calls on one ``ReActAgent``, in
one event loop and across eight threads with a loop each; exact traces, no
internal error, and nothing of otelscope's left behind.

The agent forgets what it is told: with AgentScope's default memory, every
reasoning step of 1,000 overlapping calls formats the shared, ever-growing
history (300 calls took 8 s, quadratically more for 1,000), a cost of
AgentScope's that has nothing to do with tracing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from agentscope.agent import ReActAgent
from agentscope.memory import InMemoryMemory

from otelscope.core import calls
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
from tests.v1.kit import Script, call_with, make_agent, one_tool_round


class ForgetfulMemory(InMemoryMemory):
    """A memory that keeps nothing."""

    async def add(self, *args: Any, **kwargs: Any) -> None:
        return None


pytestmark = pytest.mark.load


def load_agent() -> ReActAgent:
    agent = make_agent()
    agent.memory = ForgetfulMemory()
    agent.set_console_output_enabled(False)
    return agent


def call_all(agent: ReActAgent, scripts: list[Script]) -> None:
    """Run every script as an overlapping call on ``agent``, in a new event loop."""

    async def main() -> list[Any]:
        return await asyncio.gather(*(call_with(agent, script) for script in scripts))

    replies = asyncio.run(main())
    assert [reply.get_text_content() for reply in replies] == [f"Done {s.tag}" for s in scripts]


def friday(tag: str) -> str:
    return "invoke_agent Friday"


def test_a_thousand_overlapping_calls_on_one_agent_and_live_objects_stay_flat(
    traced_without_exemplars,
) -> None:
    traced = traced_without_exemplars
    agent = load_agent()
    live = []
    for _ in range(2):  # the same calls twice: the second may not grow
        scripts = [one_tool_round(f"c{i:04d}") for i in range(CALLS)]
        call_all(agent, scripts)
        assert_each_trace_is_its_own_call(traced.spans(), scripts, friday)
        traced.exporter.clear()
        assert surviving_call_objects() == {}
        assert calls.current_call() is None
        live.append(live_objects())
    assert live[1] - live[0] < LIVE_OBJECT_GROWTH_BOUND


def test_a_thousand_calls_on_one_agent_from_eight_threads_with_a_loop_each(traced) -> None:
    agent = load_agent()
    per_thread = [
        [one_tool_round(f"t{thread}-{i:03d}") for i in range(CALLS_PER_THREAD)]
        for thread in range(THREADS)
    ]

    errors = run_in_threads(
        [lambda scripts=scripts: call_all(agent, scripts) for scripts in per_thread]
    )

    assert errors == []
    assert_each_trace_is_its_own_call(
        traced.spans(), [s for scripts in per_thread for s in scripts], friday
    )
    assert surviving_call_objects() == {}

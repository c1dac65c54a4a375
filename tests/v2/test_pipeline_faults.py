"""Faults in the telemetry pipeline on AgentScope 2.x: calls in flight on
their agents when ``uninstrument()`` runs. The faults both lines share are in
``tests/lines/test_pipeline_faults.py``."""

from __future__ import annotations

import asyncio

from agentscope.agent import Agent

from tests.lines.test_pipeline_faults import held_call, turnstile_toolkit, weather_call
from tests.pipeline_faults import (
    EXPECTED_OUTCOME,
    ROUND_WITH_TOOL,
    Outcome,
    Turnstile,
    shapes,
    uninstrument_while_held,
)
from tests.v2.kit import (
    OpenSpans,
    ScriptedChatModel,
    make_agent,
    no_middleware_left,
    one_tool_round,
)


def test_uninstrument_while_calls_are_in_flight(traced) -> None:
    """Eight agents sharing a model and a toolkit, all inside their tool
    when ``uninstrument()`` runs: each call finishes with its own result and
    ends every span it started; the middleware they still held opens round
    2 but traces nothing in it, and is detached when they end; every later
    call is untraced."""
    open_spans = OpenSpans()
    traced.provider.add_span_processor(open_spans)
    tags = [f"u{i}" for i in range(8)]

    async def main() -> tuple[list[tuple[str, int]], list[str], list[Agent], Outcome]:
        turnstile = Turnstile(len(tags))
        model, toolkit = ScriptedChatModel(), turnstile_toolkit(turnstile)
        agents = [make_agent(name=tag, model=model, toolkit=toolkit) for tag in tags]
        outcomes, ended_before = await uninstrument_while_held(
            traced,
            turnstile,
            [held_call(a, one_tool_round(tag)) for a, tag in zip(agents, tags, strict=True)],
        )
        return outcomes, ended_before, agents, await weather_call()

    outcomes, ended_before, agents, later = asyncio.run(main())

    assert outcomes == [(f"Done {tag}", 2) for tag in tags]
    assert later == EXPECTED_OUTCOME
    assert ended_before == ["chat scripted-model"] * len(tags)
    assert sorted(shapes(traced)) == [
        (f"invoke_agent {tag}", [ROUND_WITH_TOOL, ("react step", [])]) for tag in tags
    ]
    assert open_spans.names() == []
    assert all(no_middleware_left(agent) for agent in agents)

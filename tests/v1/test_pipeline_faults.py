"""Faults in the telemetry pipeline on AgentScope 1.x: calls in flight on
one agent when ``uninstrument()`` runs. The faults both lines share are in
``tests/lines/test_pipeline_faults.py``."""

from __future__ import annotations

import asyncio

from tests.lines.test_pipeline_faults import turnstile_toolkit, weather_call
from tests.pipeline_faults import (
    EXPECTED_OUTCOME,
    ROUND_WITH_TOOL,
    Outcome,
    Turnstile,
    shapes,
    uninstrument_while_held,
)
from tests.v1.kit import StartedSpans, call_with, make_agent, one_tool_round


def test_uninstrument_while_calls_are_in_flight(traced) -> None:
    """Eight overlapping calls on one agent, all inside their tool when
    ``uninstrument()`` runs: each finishes with its own result and ends every
    span it started; what ran after the restore (round 2) is untraced, and so
    is every later call."""
    started = StartedSpans()
    traced.provider.add_span_processor(started)
    tags = [f"u{i}" for i in range(8)]

    async def main() -> tuple[list[tuple[str, int]], list[str], Outcome]:
        turnstile = Turnstile(len(tags))
        agent = make_agent(toolkit=turnstile_toolkit(turnstile))
        scripts = [one_tool_round(tag) for tag in tags]
        replies, ended_before = await uninstrument_while_held(
            traced, turnstile, [call_with(agent, script) for script in scripts]
        )
        outcomes = [
            (r.get_text_content(), s.calls_made) for r, s in zip(replies, scripts, strict=True)
        ]
        return outcomes, ended_before, await weather_call()

    outcomes, ended_before, later = asyncio.run(main())

    assert outcomes == [(f"Done {tag}", 2) for tag in tags]
    assert later == EXPECTED_OUTCOME
    assert ended_before == ["chat scripted-model"] * len(tags)
    assert shapes(traced) == [("invoke_agent Friday", [ROUND_WITH_TOOL])] * len(tags)
    assert sorted(started.span_ids) == sorted(s.context.span_id for s in traced.spans())

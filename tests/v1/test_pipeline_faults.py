"""Faults in the telemetry pipeline on AgentScope 1.x: the caller's call
returns what it returns untraced, on time, and nothing raises into it.

The scenarios and their checks are shared by both lines
(``tests/pipeline_faults.py``). Not tested, because it is not promised: an
exporter that blocks behind a ``SimpleSpanProcessor`` blocks the caller,
since that processor exports synchronously in ``span.end()`` (the SDK's
documented behaviour; use a ``BatchSpanProcessor`` in production).
"""

from __future__ import annotations

import asyncio

import pytest
from agentscope.agent import ReActAgent
from agentscope.message import TextBlock
from agentscope.tool import Toolkit, ToolResponse
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

from tests.pipeline_faults import (
    EXPECTED_OUTCOME,
    PROCESSOR_FAULTS,
    ROUND_WITH_TOOL,
    Outcome,
    RaisingExporter,
    Turnstile,
    check_blocked_batch_exporter,
    check_raising_exporter,
    check_raising_meter,
    check_raising_processor,
    fault_id,
    shapes,
    shut_down_while_held,
    uninstrument_while_held,
)
from tests.v1.kit import StartedSpans, call_with, make_agent, one_tool_round


async def weather_call(agent: ReActAgent | None = None, tag: str = "T") -> Outcome:
    script = one_tool_round(tag)
    reply = await call_with(agent or make_agent(), script)
    return reply.get_text_content(), script.calls_made, len(script.tool_parents)


def turnstile_toolkit(turnstile: Turnstile) -> Toolkit:
    """A ``get_weather`` (the kit's name and schema) that waits at ``turnstile``."""

    async def get_weather(city: str) -> ToolResponse:
        """Get the weather of a city.

        Args:
            city (str): The city name.
        """
        await turnstile.pass_through()
        return ToolResponse(content=[TextBlock(type="text", text=f"Sunny in {city}")])

    toolkit = Toolkit()
    toolkit.register_tool_function(get_weather)
    return toolkit


@pytest.mark.parametrize("processor_type", [SimpleSpanProcessor, BatchSpanProcessor])
def test_an_exporter_that_raises_changes_nothing_for_the_caller(traced, processor_type) -> None:
    exporter = RaisingExporter()
    check_raising_exporter(traced, processor_type(exporter), exporter, weather_call)


def test_a_blocked_exporter_behind_a_batch_processor_does_not_delay_the_call(traced) -> None:
    check_blocked_batch_exporter(traced, weather_call)


@pytest.mark.parametrize("fault", PROCESSOR_FAULTS, ids=fault_id)
def test_a_span_processor_that_raises_is_reported_and_the_call_is_untouched(traced, fault) -> None:
    check_raising_processor(traced, fault, weather_call)


def test_a_meter_whose_instruments_raise_is_reported_and_the_spans_are_untouched(traced) -> None:
    check_raising_meter(traced, weather_call)


def test_a_tracer_provider_shut_down_between_rounds(traced) -> None:
    """Shut down while round 1's tool runs: what ended before was exported,
    nothing after; the call and the next one return as untraced ones do."""

    async def main() -> tuple[tuple[str, int], list[str], Outcome]:
        turnstile = Turnstile(1)
        agent = make_agent(toolkit=turnstile_toolkit(turnstile))
        script = one_tool_round("T")
        reply, ended_before = await shut_down_while_held(
            traced, turnstile, call_with(agent, script)
        )
        return (reply.get_text_content(), script.calls_made), ended_before, await weather_call()

    first, ended_before, after = asyncio.run(main())

    assert first == ("Done T", 2)
    assert after == EXPECTED_OUTCOME
    assert ended_before == ["chat scripted-model"]
    assert sorted(span.name for span in traced.spans()) == ended_before


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
        return outcomes, ended_before, await weather_call(agent=make_agent())

    outcomes, ended_before, later = asyncio.run(main())

    assert outcomes == [(f"Done {tag}", 2) for tag in tags]
    assert later == EXPECTED_OUTCOME
    assert ended_before == ["chat scripted-model"] * len(tags)
    assert shapes(traced) == [("invoke_agent Friday", [ROUND_WITH_TOOL])] * len(tags)
    assert sorted(started.span_ids) == sorted(s.context.span_id for s in traced.spans())

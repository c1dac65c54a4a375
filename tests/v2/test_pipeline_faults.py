"""Faults in the telemetry pipeline on AgentScope 2.x: the caller's call
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
from agentscope.agent import Agent
from agentscope.tool import Toolkit
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
from tests.v2.kit import (
    OpenSpans,
    Script,
    ScriptedChatModel,
    call_with,
    make_agent,
    make_toolkit,
    no_middleware_left,
    one_tool_round,
    reply_text,
)


async def weather_call() -> Outcome:
    script = one_tool_round("T")
    agent = make_agent()
    reply = await call_with(agent, script)
    assert no_middleware_left(agent)
    return reply_text(reply), script.calls_made, len(script.tool_parents)


def turnstile_toolkit(turnstile: Turnstile) -> Toolkit:
    """A ``get_weather`` (the kit's name and schema) that waits at ``turnstile``."""

    async def get_weather(city: str) -> str:
        """Get the weather of a city.

        Args:
            city (str): The city name.
        """
        await turnstile.pass_through()
        return f"Sunny in {city}"

    return make_toolkit(get_weather)


async def held_call(agent: Agent, script: Script) -> tuple[str, int]:
    reply = await call_with(agent, script)
    return reply_text(reply), script.calls_made


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

    async def main() -> tuple[tuple[str, int], list[str], Agent, Outcome]:
        turnstile = Turnstile(1)
        agent = make_agent(toolkit=turnstile_toolkit(turnstile))
        first, ended_before = await shut_down_while_held(
            traced, turnstile, held_call(agent, one_tool_round("T"))
        )
        return first, ended_before, agent, await weather_call()

    first, ended_before, agent, after = asyncio.run(main())

    assert first == ("Done T", 2)
    assert after == EXPECTED_OUTCOME
    assert ended_before == ["chat scripted-model"]
    assert sorted(span.name for span in traced.spans()) == ended_before
    assert no_middleware_left(agent)


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

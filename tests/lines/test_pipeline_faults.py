"""Faults in the telemetry pipeline on both AgentScope lines: the caller's
call returns what it returns untraced, on time, and nothing raises into it.

The scenarios and their checks are in ``tests/pipeline_faults.py``. Not
tested, because it is not promised: an exporter that blocks behind a
``SimpleSpanProcessor`` blocks the caller, since that processor exports
synchronously in ``span.end()`` (the SDK's documented behaviour; use a
``BatchSpanProcessor`` in production). What differs by line, calls in
flight when ``uninstrument()`` runs, is in ``tests/v1`` and ``tests/v2``'s
``test_pipeline_faults.py``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

from tests.lines.line import kit
from tests.pipeline_faults import (
    EXPECTED_OUTCOME,
    PROCESSOR_FAULTS,
    Outcome,
    RaisingExporter,
    Turnstile,
    check_blocked_batch_exporter,
    check_raising_exporter,
    check_raising_meter,
    check_raising_processor,
    fault_id,
    shut_down_while_held,
)


async def weather_call() -> Outcome:
    """A call of a new agent with one tool round, which leaves nothing on it."""
    script = kit.one_tool_round("T")
    agent = kit.make_agent()
    reply = await kit.call_with(agent, script)
    assert kit.nothing_left_on(agent)
    return kit.reply_text(reply), script.calls_made, len(script.tool_parents)


def turnstile_toolkit(turnstile: Turnstile) -> Any:
    """A ``get_weather`` (the kit's name and schema) that waits at ``turnstile``."""

    async def get_weather(city: str) -> Any:
        """Get the weather of a city.

        Args:
            city (str): The city name.
        """
        await turnstile.pass_through()
        return kit.tool_output(f"Sunny in {city}")

    return kit.make_toolkit(get_weather)


async def held_call(agent: Any, script: Any) -> tuple[Any, int]:
    """A call of ``agent``: its reply's text, and how many model calls it made."""
    reply = await kit.call_with(agent, script)
    return kit.reply_text(reply), script.calls_made


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

    async def main() -> tuple[tuple[Any, int], list[str], Any, Outcome]:
        turnstile = Turnstile(1)
        agent = kit.make_agent(toolkit=turnstile_toolkit(turnstile))
        first, ended_before = await shut_down_while_held(
            traced, turnstile, held_call(agent, kit.one_tool_round("T"))
        )
        return first, ended_before, agent, await weather_call()

    first, ended_before, agent, after = asyncio.run(main())

    assert first == ("Done T", 2)
    assert after == EXPECTED_OUTCOME
    assert ended_before == ["chat scripted-model"]
    assert sorted(span.name for span in traced.spans()) == ended_before
    assert kit.nothing_left_on(agent)

"""Generated scenarios on AgentScope 1.x, checked against an exact model.

Every scenario (``tests/v1/scenario_model.py``) runs twice on fresh agents:
once with otelscope uninstrumented throughout, once with it instrumented or
not batch by batch as the scenario says. Then:

- the user saw the same thing both times: each call's reply or exception,
  how many times each model and tool ran, each agent's memory;
- each instrumented batch's export is well formed (``tests/scenario_invariants.py``),
  holds one trace per top-level call, and each trace is exactly the tree the
  model predicts, with every span's status; an uninstrumented batch exports nothing;
- no call left otelscope state in its context, and otelscope reported no
  internal error.

`make soak` runs many more of them (``-m scenarios`` with the soak profile).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import event, given, settings
from opentelemetry.sdk.trace import ReadableSpan

from otelscope.core import guard
from tests.scenario_invariants import assert_no_state_left, assert_released, assert_well_formed
from tests.spantree import build_trees
from tests.v1.kit import StartedSpans
from tests.v1.scenario_model import (
    CANCEL_IN_TOOL,
    FORECAST,
    V1_CALL_STATE,
    AgentPlan,
    Batch,
    CallPlan,
    CallRecord,
    Failure,
    Scenario,
    Span,
    StreamPlan,
    World,
    expected_tree,
    features,
    observed,
    run_batch,
    scenarios,
)

# A call cancelled in one of several sequential tools never awaits the
# `_acting` coroutines AgentScope built for the tools after it.
pytestmark = pytest.mark.filterwarnings(
    "ignore:coroutine 'ReActAgent._acting' was never awaited:RuntimeWarning"
)


@dataclass
class Export:
    spans: list[ReadableSpan]
    started: list[int]


@dataclass
class Run:
    records: list[list[CallRecord]]
    memories: list[list[str]]
    exports: list[Export]


@pytest.fixture
def started(traced) -> StartedSpans:
    """Every span started, to prove each one ended (one processor for all
    the examples that share the fixture)."""
    processor = StartedSpans()
    traced.provider.add_span_processor(processor)
    return processor


@pytest.fixture
def toggled(traced) -> Iterator[None]:
    """Lets a test switch instrumentation on and off; instrumented again after."""
    try:
        yield
    finally:
        set_instrumented(traced, True)


@pytest.fixture
def sdk_warnings(caplog) -> Iterator[pytest.LogCaptureFixture]:
    """The SDK warns when a span is ended twice or an attribute is refused."""
    with caplog.at_level(logging.WARNING, logger="opentelemetry.sdk.trace"):
        yield caplog


def set_instrumented(traced, on: bool) -> None:
    if traced.instrumentor.is_instrumented_by_opentelemetry != on:
        if on:
            traced.instrument()
        else:
            traced.instrumentor.uninstrument()


async def _play(world: World, scenario: Scenario, traced, started, reference: bool) -> Run:
    run = Run([], [], [])
    for batch in scenario.batches:
        set_instrumented(traced, batch.instrumented and not reference)
        traced.exporter.clear()
        started.span_ids.clear()
        run.records.append(await run_batch(world, batch))
        run.exports.append(Export(traced.spans(), list(started.span_ids)))
    run.memories = await world.memories()
    return run


def play(scenario: Scenario, traced, started, *, reference: bool) -> Run:
    """Run ``scenario`` on fresh agents; ``reference``: uninstrumented
    throughout. Instrumentation stays as the last batch left it (each toggle
    costs more than a small scenario; ``toggled`` restores it at the end)."""
    return asyncio.run(_play(World(scenario), scenario, traced, started, reference))


def traces_by_call(export: Export) -> dict[str, Span]:
    """Each trace in the model's terms, under the conversation id that its
    call set (every span of the trace must carry it)."""
    found: dict[str, Span] = {}
    for root in build_trees(export.spans):
        [tag] = {node.attributes.get("gen_ai.conversation.id") for node in root.walk()}
        assert tag not in found, f"two traces for call {tag}"
        found[tag] = observed(root)
    return found


def check_export(batch: Batch, scenario: Scenario, export: Export) -> None:
    if not batch.instrumented:
        assert export.spans == []
        return
    assert_well_formed(export.spans, export.started)
    expected = {plan.tag: expected_tree(plan, scenario.agents) for plan in batch.calls}
    assert traces_by_call(export) == expected


def check_scenario(scenario: Scenario, traced, started, sdk_warnings) -> None:
    sdk_warnings.clear()  # the fixture is shared by every example of a test
    run = play(scenario, traced, started, reference=False)
    reference = play(scenario, traced, started, reference=True)

    assert [[r.outcome for r in b] for b in run.records] == [
        [r.outcome for r in b] for b in reference.records
    ]
    assert [[r.counters for r in b] for b in run.records] == [
        [r.counters for r in b] for b in reference.records
    ]
    assert run.memories == reference.memories
    for batch, export in zip(scenario.batches, run.exports, strict=True):
        check_export(batch, scenario, export)
    assert [r.leftover for b in run.records for r in b if r.leftover] == []
    assert guard.take_internal_errors() == []
    assert [r.getMessage() for r in sdk_warnings.records] == []


@pytest.mark.scenarios
@given(scenario=scenarios())
def test_generated_scenarios_are_traced_exactly_and_change_nothing(
    traced, toggled, started, sdk_warnings, scenario: Scenario
) -> None:
    for feature in sorted(features(scenario)):
        event(feature)
    check_scenario(scenario, traced, started, sdk_warnings)


# The release check collects garbage (half a second on an idle machine, a
# few seconds on a busy one), so it runs on a hundredth of the scenarios the
# profile asks for.
@pytest.mark.scenarios
@settings(max_examples=max(1, settings.default.max_examples // 100))
@given(scenario=scenarios())
def test_generated_scenarios_leave_no_state_and_free_their_agents(
    traced, toggled, scenario: Scenario
) -> None:
    world = World(scenario)
    refs = [weakref.ref(agent) for agent in [*world.agents, world.expert]]
    asyncio.run(run_batches(world, scenario, traced))
    del world
    assert_released(refs)
    assert_no_state_left(V1_CALL_STATE)


async def run_batches(world: World, scenario: Scenario, traced) -> None:
    for batch in scenario.batches:
        set_instrumented(traced, batch.instrumented)
        await run_batch(world, batch)
    assert_no_state_left(V1_CALL_STATE)


# -- Shrunk failures, kept as regular tests --------------------------------------

ONE_AGENT = (AgentPlan("Agent0", stream=False, parallel=False, max_iters=10),)


def one_batch(*calls: CallPlan | StreamPlan) -> Scenario:
    return Scenario(ONE_AGENT, (Batch(True, calls),))


def test_a_call_leaves_no_formatter_output_in_its_context(
    traced, toggled, started, sdk_warnings
) -> None:
    """The formatter's output was kept in the caller's context after the call
    (holding the last prompt) instead of being dropped once its model call
    took it."""
    plan = CallPlan("b0c0", agent=0, tool_rounds=(), expert_tool_rounds=0, failure=None)
    check_scenario(one_batch(plan), traced, started, sdk_warnings)


def test_a_stream_closed_before_its_first_chunk_ends_its_span(
    traced, toggled, started, sdk_warnings
) -> None:
    """A stream closed (or dropped) before its first step never runs its
    body, so its chat span was never ended."""
    check_scenario(one_batch(StreamPlan("b0c0", chunks_read=0)), traced, started, sdk_warnings)


def test_a_cancelled_tool_span_ends_before_its_round(
    traced, toggled, started, sdk_warnings
) -> None:
    """AgentScope 1.x answers a cancelled tool with an interrupted response
    and raises from ``_acting`` without closing the tool's stream: the span
    ended only when the stream was collected, after its round and call."""
    cancelled = Failure(CANCEL_IN_TOOL, round=1, tool=0)
    plan = CallPlan("b0c0", 0, ((FORECAST, FORECAST),), expert_tool_rounds=0, failure=cancelled)
    check_scenario(one_batch(plan), traced, started, sdk_warnings)

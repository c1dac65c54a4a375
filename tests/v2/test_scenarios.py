"""Generated scenarios on AgentScope 2.x, checked against a model of the
spans they must produce (``tests.v2.scenario_model``).

Each scenario runs twice on fresh agents: once never instrumented (the
reference), once with otelscope instrumented or not per batch as the
scenario says. After every scenario:

- every span ended, every parent exists, one trace per top-level call
  (``tests.scenario_invariants.assert_well_formed``);
- the traces are exactly the model's trees, one per call made while
  instrumented: rounds numbered 1..n with their finish reasons, each chat and
  tool span with its call id, sub-agents under their tool, and error and
  cancel statuses where and only where the scenario failed;
- token roll-ups equal the sum of the chat spans inside;
- no per-call ContextVar is set in any call's task or the batch's task, and
  no agent holds otelscope's middleware (it is attached exactly while the
  agent has calls in flight, so a leaked attachment count would keep it);
- what the user saw (replies, raised exceptions, streamed events, how often
  the model and the tools ran) is the reference run's, and the model's.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest
from hypothesis import given
from opentelemetry.sdk.trace import SpanProcessor

from otelscope.agentscope_v2.agent_reply import _open_replies
from otelscope.core import guard
from tests.conftest import Traced
from tests.scenario_invariants import assert_well_formed, leftover_call_state, status_label
from tests.spantree import Node, build_trees
from tests.v2.kit import no_middleware_left
from tests.v2.scenario_model import (
    ABANDON_IN_TEXT,
    STREAM,
    TOOL_ERROR,
    Batch,
    CallPlan,
    CallResult,
    Ending,
    Pool,
    Scenario,
    Tree,
    call_tag,
    expected_outcome,
    expected_runs,
    expected_tree,
    run_scenario,
    scenarios,
)

USAGE_KEYS = {
    "gen_ai.usage.input_tokens": "otelscope.usage.input_tokens",
    "gen_ai.usage.output_tokens": "otelscope.usage.output_tokens",
}


@pytest.mark.scenarios
@given(scenario=scenarios())
def test_generated_scenarios_are_traced_exactly_and_change_nothing(scenario: Scenario) -> None:
    check_scenario(scenario)


# -- Checking one scenario ------------------------------------------------------


class StartedSpans(SpanProcessor):
    """The ids of every span started since ``ids`` was last emptied."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        self.ids.append(span.get_span_context().span_id)


class TracedRun:
    """The instrumented run: instruments and uninstruments between batches,
    and checks that nothing is left behind after each. One serves every
    scenario of a test (providers are costly to build), cleared in between."""

    def __init__(self) -> None:
        self.traced = Traced()
        self.started = StartedSpans()
        self.traced.provider.add_span_processor(self.started)

    def clear(self) -> None:
        self.toggle(False)
        self.traced.exporter.clear()
        self.started.ids.clear()

    @property
    def instrumented(self) -> bool:
        return bool(self.traced.instrumentor.is_instrumented_by_opentelemetry)

    def toggle(self, instrumented: bool) -> None:
        if instrumented and not self.instrumented:
            # The dependency check reads package metadata: tens of milliseconds.
            self.traced.instrumentor.instrument(
                tracer_provider=self.traced.provider,
                meter_provider=self.traced.meter_provider,
                skip_dep_check=True,
            )
        elif not instrumented and self.instrumented:
            self.traced.instrumentor.uninstrument()

    def after_batch(self, pool: Pool) -> None:
        agents = pool.every_agent
        assert [no_middleware_left(agent) for agent in agents] == [True] * len(agents)
        assert leftover_call_state((_open_replies,)) == {}


@functools.cache
def traced_run() -> TracedRun:
    return TracedRun()


def check_scenario(scenario: Scenario) -> None:
    guard.take_internal_errors()
    run = traced_run()
    run.clear()
    try:
        reference = asyncio.run(run_scenario(scenario, None, lambda pool: None))
        results = asyncio.run(run_scenario(scenario, run.toggle, run.after_batch))
    finally:
        run.toggle(False)
    assert guard.take_internal_errors() == []
    spans = run.traced.spans()
    assert_well_formed(spans, run.started.ids)
    roots = build_trees(spans)
    for root in roots:
        assert_rollups(root)
    assert sorted(tree_of(root) for root in roots) == sorted(expected_trees(scenario))
    check_results(scenario, reference, results)


def expected_trees(scenario: Scenario) -> list[Tree]:
    return [
        expected_tree(plan, call_tag(index, plan), scenario.streaming[plan.slot])
        for index, batch in enumerate(scenario.batches)
        if batch.instrumented
        for plan in batch.calls
    ]


def check_results(
    scenario: Scenario, reference: list[list[CallResult]], results: list[list[CallResult]]
) -> None:
    for index, batch in enumerate(scenario.batches):
        for plan, untraced, traced in zip(
            batch.calls, reference[index], results[index], strict=True
        ):
            assert traced.seen_by_user() == untraced.seen_by_user(), plan
            assert traced.outcome == expected_outcome(plan, call_tag(index, plan)), plan
            assert (traced.model_calls, traced.tool_runs) == expected_runs(plan), plan
            assert traced.leftover == {}, plan


def tree_of(node: Node) -> Tree:
    """A span tree in the model's terms (see ``scenario_model.Tree``)."""
    attributes = node.attributes
    label = node.name
    if node.name == "react step":
        label += f" {attributes['gen_ai.react.round']}"
        if "gen_ai.react.finish_reason" in attributes:
            label += f" {attributes['gen_ai.react.finish_reason']}"
    elif node.name.startswith("execute_tool"):
        label += f" {attributes['gen_ai.tool.call.id']}"
    return (label, outcome_label(node), tuple(tree_of(child) for child in node.children))


def outcome_label(node: Node) -> str:
    """``status_label``, and ``tool_error`` for a tool whose exception 2.x
    turned into an error result (its span records no exception event)."""
    if node.attributes.get("error.type") == TOOL_ERROR:
        assert list(node.span.events) == [], node.name
        return TOOL_ERROR
    return status_label(node.span)


def assert_rollups(root: Node) -> None:
    """Each agent call and round carries the tokens of the chats inside it
    (nested agents' included), and nothing when no chat reported any."""
    for node in root.walk():
        if not (node.name.startswith("invoke_agent") or node.name == "react step"):
            continue
        chats = [n.attributes for n in node.walk() if n.name.startswith("chat")]
        for usage_key, rollup_key in USAGE_KEYS.items():
            reported = [chat[usage_key] for chat in chats if usage_key in chat]
            expected: dict[str, Any] = {rollup_key: sum(reported)} if reported else {}
            actual = {k: v for k, v in node.attributes.items() if k == rollup_key}
            assert actual == expected, node.name


# -- Shrunk failures, kept as regular tests -------------------------------------


def one_call(plan: CallPlan, streaming: bool = False, instrumented: bool = True) -> Scenario:
    return Scenario(
        own_model=(False,),
        streaming=(streaming,),
        batches=(Batch(instrumented=instrumented, calls=(plan,)),),
    )


def test_a_reply_stream_abandoned_mid_model_stream_ends_the_chat_before_its_round() -> None:
    """Found by the generator: the consumer leaves while the model's stream
    is being read. AgentScope never closes the abandoned model stream, so its
    chat span ended only when the generator was collected: after its round
    and its call, and with a duration that ran until then."""
    check_scenario(one_call(CallPlan(0, (), STREAM, Ending(ABANDON_IN_TEXT)), streaming=True))

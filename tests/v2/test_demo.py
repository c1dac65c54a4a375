"""The README's first command runs this demo; it must keep telling the truth."""

from __future__ import annotations

import asyncio

from otelscope.demo import scenario_v2
from tests.demo_expectations import (
    ASSIGNING_ROUND,
    NOTES_LOOKUP_ROUND,
    PLAN,
    agent_calls,
    answering_call,
    assert_demo_traces,
    assert_notes_retrieval,
    critic_call,
    rounds_of,
    weather_call,
    weather_rounds,
)

# The leader assigns the Forecaster, is resumed with its answer, assigns the
# Critic, is resumed again and answers: each resumption is a call of its own.
CONVERSATION = (
    "invoke_workflow team_pipeline",
    [
        ("invoke_agent Planner", [ASSIGNING_ROUND]),
        weather_call("Forecaster", ["Paris", "Rome"]),
        ("invoke_agent Planner", [ASSIGNING_ROUND]),
        critic_call("search_knowledge"),
        answering_call("Planner"),
    ],
)


def test_demo_traces_each_overlapping_question_and_the_conversation_exactly(traced) -> None:
    answers = asyncio.run(scenario_v2.run())

    weather, workflow = assert_demo_traces(
        answers, traced.spans(), [f"Friday-{i}" for i in range(1, 5)], CONVERSATION, PLAN
    )

    # Four agent instances, one per question.
    assert len({root.attributes["gen_ai.agent.id"] for root in weather}) == 4
    assert workflow.attributes["gen_ai.workflow.name"] == "team_pipeline"
    calls = agent_calls(workflow)
    assert [rounds_of(call) for call in calls] == [
        [(1, "stop", [])],
        weather_rounds(["Paris", "Rome"]),
        [(1, "stop", [])],
        NOTES_LOOKUP_ROUND,
        [(1, "stop", [])],
    ]
    assert_notes_retrieval(calls[3])
    # The leader's three calls are one agent's; each member is an agent of its own.
    planner_ids = {calls[i].attributes["gen_ai.agent.id"] for i in (0, 2, 4)}
    member_ids = {calls[i].attributes["gen_ai.agent.id"] for i in (1, 3)}
    assert len(planner_ids) == 1
    assert len(member_ids) == 2
    assert planner_ids.isdisjoint(member_ids)

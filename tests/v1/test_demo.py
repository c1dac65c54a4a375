"""The README's first command runs this demo; it must keep telling the truth."""

from __future__ import annotations

import asyncio

from otelscope.demo import scenario_v1
from tests.demo_expectations import (
    NOTES_LOOKUP_ROUND,
    VERDICT,
    agent_calls,
    answering_call,
    assert_demo_traces,
    assert_notes_retrieval,
    critic_call,
    rounds_of,
    weather_call,
    weather_rounds,
)

# The hub holds the pipeline, which gives each agent its turn in order.
CONVERSATION = (
    "invoke_workflow weekend_trip",
    [
        (
            "invoke_workflow sequential_pipeline",
            [
                weather_call("Forecaster", ["Paris", "Rome"]),
                answering_call("Planner"),
                critic_call("retrieve_knowledge"),
            ],
        )
    ],
)


def test_demo_traces_each_overlapping_question_and_the_conversation_exactly(traced) -> None:
    answers = asyncio.run(scenario_v1.run())

    weather, workflow = assert_demo_traces(
        answers, traced.spans(), ["Friday"] * 4, CONVERSATION, VERDICT
    )

    # One agent instance served all four questions.
    assert len({root.attributes["gen_ai.agent.id"] for root in weather}) == 1
    assert workflow.attributes["gen_ai.workflow.name"] == "weekend_trip"
    forecaster, planner, critic = agent_calls(workflow)
    assert rounds_of(forecaster) == weather_rounds(["Paris", "Rome"])
    assert rounds_of(planner) == [(1, "stop", [])]
    assert rounds_of(critic) == NOTES_LOOKUP_ROUND
    assert_notes_retrieval(critic)
    # Three distinct agents, none of them the weather agent.
    ids = {call.attributes["gen_ai.agent.id"] for call in (forecaster, planner, critic)}
    assert len(ids) == 3
    assert ids.isdisjoint({root.attributes["gen_ai.agent.id"] for root in weather})

"""Multi-agent workflow spans on AgentScope 2.x: ``TeamPipeline`` and
``GoalPipeline``, both driven offline through their own tools (the leader's
``TeamAssign``, the structured-output tool of the executor and verifier)."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
from agentscope.message import UserMsg
from agentscope.pipeline import GoalPipeline, TeamMember, TeamPipeline
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import SpanKind, StatusCode

import otelscope
from otelscope.agentscope_v2.workflows import workflow_name
from otelscope.core import conventions as conv
from tests.conftest import Traced
from tests.metric_expectations import assert_histogram, span_seconds
from tests.spantree import build_trees
from tests.v2.kit import (
    CallTool,
    Gate,
    GatedWeather,
    OwnScriptChatModel,
    Script,
    Step,
    assert_cancelled,
    assert_failed,
    assert_ok,
    make_agent,
    make_scripted_agent,
    make_toolkit,
)

ORIGINAL = "__otelscope_original__"
CHAT = ("chat scripted-model", [])
ANSWER = ("react step", [CHAT])
TOOL_ROUND = ("react step", [CHAT, ("execute_tool get_weather", [])])
REPORT_ROUND = ("react step", [CHAT, ("execute_tool GenerateStructuredOutput", [])])
# The leader asks Worker, is resumed with Worker's answer, and answers.
TEAM_TREE = (
    "invoke_workflow team_pipeline",
    [
        ("invoke_agent Leader", [ANSWER]),
        ("invoke_agent Worker", [TOOL_ROUND, ANSWER]),
        ("invoke_agent Leader", [ANSWER]),
    ],
)


def workflow_attributes(name: str) -> dict:
    return {"gen_ai.operation.name": "invoke_workflow", "gen_ai.workflow.name": name}


def assign(member: str, prompt: str = "weather in Oslo") -> CallTool:
    return CallTool(name="TeamAssign", arguments={"member": member, "prompt": prompt})


def team(
    worker_steps: tuple[Step, ...] = (Step(tools=["get_weather"]), Step(text="Worker done")),
    worker_toolkit: Any = None,
    pipeline_class: type = TeamPipeline,
) -> Any:
    leader = make_scripted_agent("Leader", assign("Worker"), Step(text="Team done"))
    worker = make_agent(
        name="Worker",
        model=OwnScriptChatModel(Script("Worker", list(worker_steps))),
        toolkit=worker_toolkit,
    )
    return pipeline_class(leader, [TeamMember(agent=worker, description="Knows the weather.")])


def goal(verifier_steps: tuple[Step, ...] | None = None) -> GoalPipeline:
    executor = make_scripted_agent(
        "Executor",
        Step(tools=["get_weather"]),
        CallTool(name="GenerateStructuredOutput", arguments={"report": "Sunny in Oslo"}),
    )
    verdict = CallTool(
        name="GenerateStructuredOutput", arguments={"result": "pass", "message": "ok"}
    )
    verifier = make_scripted_agent("Verifier", *(verifier_steps or (verdict,)))
    return GoalPipeline(executor, verifier)


def go() -> UserMsg:
    return UserMsg(name="user", content="go")


async def drain(pipeline: Any) -> list[Any]:
    return [event async for event in pipeline.reply_stream(go())]


def calls_made(pipeline: TeamPipeline) -> list[int]:
    agents = [pipeline.leader, *(m.agent for m in pipeline.members.values())]
    return [agent.model.script.calls_made for agent in agents]


def event_kinds(events: list[Any]) -> list[tuple[str, Any]]:
    return [(type(e).__name__, getattr(e, "finished_reason", None)) for e in events]


# -- TeamPipeline --------------------------------------------------------------


def test_team_pipeline_is_one_trace_with_leader_and_members_under_it(traced) -> None:
    run = team()

    events = asyncio.run(drain(run))

    [root] = build_trees(traced.spans())
    assert root.shape() == TEAM_TREE
    assert root.span.kind == SpanKind.INTERNAL
    assert root.attributes == workflow_attributes("team_pipeline")
    assert all(node.status == StatusCode.UNSET for node in root.walk())
    assert calls_made(run) == [2, 2]
    assert event_kinds(events)[-1] == ("ReplyEndEvent", "completed")


def test_team_pipeline_events_are_the_same_as_without_otelscope(traced) -> None:
    traced.instrumentor.uninstrument()
    untraced_run = team()
    untraced = asyncio.run(drain(untraced_run))
    assert traced.spans() == []

    traced.instrument()
    traced_run = team()
    events = asyncio.run(drain(traced_run))

    assert event_kinds(events) == event_kinds(untraced)
    assert calls_made(traced_run) == calls_made(untraced_run) == [2, 2]
    [root] = build_trees(traced.spans())
    assert root.shape() == TEAM_TREE


def test_reply_stream_stays_a_real_async_generator(traced) -> None:
    assert inspect.isasyncgenfunction(TeamPipeline.reply_stream)
    assert inspect.isasyncgenfunction(GoalPipeline.reply_stream)

    async def main() -> None:
        stream = team().reply_stream(go())
        assert inspect.isasyncgen(stream)
        await stream.aclose()  # never started: nothing ran, nothing to trace

    asyncio.run(main())
    assert traced.spans() == []


def test_a_subclass_is_named_after_its_own_class(traced) -> None:
    class ResearchTeam(TeamPipeline):
        pass

    asyncio.run(drain(team(pipeline_class=ResearchTeam)))

    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_workflow research_team", TEAM_TREE[1])
    assert root.attributes == workflow_attributes("research_team")


def test_workflow_names_are_snake_case_class_names() -> None:
    class HTTPTeam:
        pass

    class Team2Pipeline:
        pass

    assert [workflow_name(p) for p in (team(), goal(), HTTPTeam(), Team2Pipeline())] == [
        "team_pipeline",
        "goal_pipeline",
        "http_team",
        "team2_pipeline",
    ]


# -- GoalPipeline --------------------------------------------------------------


def test_goal_pipeline_is_one_trace_with_executor_and_verifier_under_it(traced) -> None:
    run = goal()

    asyncio.run(drain(run))

    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_workflow goal_pipeline",
        [
            ("invoke_agent Executor", [TOOL_ROUND, REPORT_ROUND]),
            ("invoke_agent Verifier", [REPORT_ROUND]),
        ],
    )
    assert root.attributes == workflow_attributes("goal_pipeline")
    assert all(node.status == StatusCode.UNSET for node in root.walk())
    assert [a.model.script.calls_made for a in (run.executor, run.verifier)] == [2, 1]


def test_a_workflow_in_an_application_conversation_carries_its_id(traced) -> None:
    async def main() -> None:
        with otelscope.conversation("chat-7"):
            await drain(goal())

    asyncio.run(main())
    [root] = build_trees(traced.spans())
    assert root.attributes == {
        **workflow_attributes("goal_pipeline"),
        "gen_ai.conversation.id": "chat-7",
    }
    assert {node.attributes["gen_ai.conversation.id"] for node in root.walk()} == {"chat-7"}


# -- metrics -------------------------------------------------------------------


def test_each_workflow_records_its_duration(traced) -> None:
    async def main() -> None:
        await drain(team())
        await drain(goal())
        await drain(goal())

    asyncio.run(main())

    spans = {}
    for span in traced.spans():
        spans.setdefault(span.name, []).append(span)
    points = {
        point.attributes[conv.WORKFLOW_NAME]: point
        for point in traced.metrics()[conv.METRIC_WORKFLOW_DURATION]
    }
    assert {name: dict(point.attributes) for name, point in points.items()} == {
        "team_pipeline": {"gen_ai.workflow.name": "team_pipeline"},
        "goal_pipeline": {"gen_ai.workflow.name": "goal_pipeline"},
    }
    [team_span] = spans["invoke_workflow team_pipeline"]
    assert_histogram(
        points["team_pipeline"], conv.WORKFLOW_DURATION_BUCKETS, 1, span_seconds(team_span)
    )
    assert_histogram(points["goal_pipeline"], conv.WORKFLOW_DURATION_BUCKETS, 2)
    goal_seconds = sum(span_seconds(s) for s in spans["invoke_workflow goal_pipeline"])
    assert points["goal_pipeline"].sum == pytest.approx(goal_seconds, abs=1e-9)


# -- failures and cancellation -------------------------------------------------


def test_an_error_inside_a_team_member_propagates_unchanged_and_fails_the_workflow(
    traced,
) -> None:
    error = ValueError("model down")
    run = team(worker_steps=(Step(error=error),))

    with pytest.raises(ValueError) as raised:
        asyncio.run(drain(run))

    assert raised.value is error
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_workflow team_pipeline",
        [("invoke_agent Leader", [ANSWER]), ("invoke_agent Worker", [ANSWER])],
    )
    assert_failed(root, "ValueError", "ValueError: model down", "model down")
    assert root.attributes == {**workflow_attributes("team_pipeline"), "error.type": "ValueError"}
    assert calls_made(run) == [1, 1]
    [point] = traced.metrics()[conv.METRIC_WORKFLOW_DURATION]
    assert dict(point.attributes) == {
        "gen_ai.workflow.name": "team_pipeline",
        "error.type": "ValueError",
    }


def test_an_error_inside_a_goal_pipeline_fails_the_workflow(traced) -> None:
    error = RuntimeError("verifier down")

    with pytest.raises(RuntimeError) as raised:
        asyncio.run(drain(goal(verifier_steps=(Step(error=error),))))

    assert raised.value is error
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_workflow goal_pipeline",
        [
            ("invoke_agent Executor", [TOOL_ROUND, REPORT_ROUND]),
            ("invoke_agent Verifier", [ANSWER]),
        ],
    )
    assert_failed(root, "RuntimeError", "RuntimeError: verifier down", "verifier down")


def test_a_stream_closed_early_cancels_the_workflow(traced) -> None:
    async def main() -> str:
        stream = team().reply_stream(go())
        first = await stream.__anext__()
        await stream.aclose()
        return type(first).__name__

    assert asyncio.run(main()) == "ReplyStartEvent"
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_workflow team_pipeline", [("invoke_agent Leader", [])])
    assert_cancelled(root)
    assert_cancelled(root.children[0])


@pytest.mark.parametrize("raise_cancelled", [False, True], ids=["absorb", "raise"])
def test_a_cancelled_team_run_is_one_cancelled_workflow(traced, raise_cancelled) -> None:
    """Cancelled while a member's tool waits: ``TeamPipeline`` interrupts its
    participants by calling its own ``reply_stream``, which is part of the
    same run, not a workflow of its own."""

    async def main() -> tuple[str, list[str]]:
        gate = Gate()
        weather = GatedWeather(gate)
        run = team(worker_toolkit=make_toolkit(weather.function))
        run.leader.react_config.interruption_raise_cancelled_error = raise_cancelled
        kinds: list[str] = []

        async def consume() -> None:
            async for event in run.reply_stream(go()):
                kinds.append(type(event).__name__)

        task = asyncio.create_task(consume())
        await gate.arrived.wait()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return "raised", kinds
        return "returned", kinds

    outcome, kinds = asyncio.run(main())

    assert outcome == ("raised" if raise_cancelled else "returned")
    assert kinds[-1] == "ReplyEndEvent"  # the leader's interrupted reply came through
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_workflow team_pipeline",
        [
            ("invoke_agent Leader", [ANSWER]),
            ("invoke_agent Worker", [("react step", [CHAT, ("execute_tool get_weather", [])])]),
            ("invoke_agent Leader", []),
        ],
    )
    assert_cancelled(root)
    assert root.attributes == {**workflow_attributes("team_pipeline"), "error.type": "cancelled"}
    worker = root.children[1]
    assert_cancelled(worker)
    assert_cancelled(root.find("execute_tool get_weather")[0])
    assert_ok(root.children[0])
    [point] = traced.metrics()[conv.METRIC_WORKFLOW_DURATION]
    assert dict(point.attributes) == {
        "gen_ai.workflow.name": "team_pipeline",
        "error.type": "cancelled",
    }


# -- instrumentation -----------------------------------------------------------


def test_suppressed_instrumentation_makes_no_workflow_span(traced) -> None:
    async def main() -> None:
        with suppress_instrumentation():
            await drain(team())
            await drain(goal())

    asyncio.run(main())
    assert traced.spans() == []


def patched_attributes() -> dict[str, Any]:
    return {
        "GoalPipeline.reply_stream": GoalPipeline.__dict__["reply_stream"],
        "TeamPipeline.reply_stream": TeamPipeline.__dict__["reply_stream"],
    }


def test_uninstrument_restores_every_patched_attribute_exactly() -> None:
    before = patched_attributes()
    state = Traced()
    state.instrument()
    try:
        during = patched_attributes()
        for name, wrapper in during.items():
            assert getattr(wrapper, ORIGINAL) is before[name], name
        asyncio.run(drain(team()))
        assert len(build_trees(state.spans())) == 1
    finally:
        state.instrumentor.uninstrument()

    assert patched_attributes() == before
    assert all(patched_attributes()[name] is value for name, value in before.items())
    state.exporter.clear()
    asyncio.run(drain(team()))
    asyncio.run(drain(goal()))
    assert state.spans() == []

"""Plan events on AgentScope 1.x: a real ``PlanNotebook`` driven the way an
agent drives it, through its tool functions called by a real ``ReActAgent``'s
model (``tests/v1/memory_kit.py``)."""

from __future__ import annotations

import asyncio
from typing import Any

from agentscope.message import Msg
from agentscope.plan import PlanNotebook
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import StatusCode

from tests.conftest import Traced
from tests.spantree import Node, build_trees
from tests.v1 import memory_kit as mk


def subtask(name: str) -> dict[str, str]:
    return {"name": name, "description": f"do {name}", "expected_outcome": f"{name} done"}


CREATE = (
    "create_plan",
    {
        "name": "Trip",
        "description": "A weekend in Rome",
        "expected_outcome": "Booked",
        "subtasks": [subtask("flights"), subtask("hotel")],
    },
)
WORK = [
    CREATE,
    ("update_subtask_state", {"subtask_idx": 0, "state": "in_progress"}),
    ("finish_subtask", {"subtask_idx": 0, "subtask_outcome": "flights booked"}),
    ("finish_subtask", {"subtask_idx": 1, "subtask_outcome": "hotel booked"}),
    ("finish_plan", {"state": "done", "outcome": "all booked"}),
]


def plan(notebook: PlanNotebook, calls: list[tuple[str, dict[str, Any]]], name: str = "Planner"):
    agent = mk.make_agent(name, calls, notebook=notebook)
    return asyncio.run(agent(Msg("user", "Plan my trip", "user")))


def events(node: Node) -> list[tuple[str, dict[str, Any]]]:
    return [(event.name, dict(event.attributes or {})) for event in node.span.events]


def plan_id(node: Node) -> str:
    [(name, attributes), *_] = events(node)
    assert name == "otelscope.plan.created"
    return str(attributes["otelscope.plan.id"])


def subtask_changed(pid: str, index: int, state: str, was: str, plan_state: str) -> tuple:
    return (
        "otelscope.plan.subtask.changed",
        {
            "otelscope.plan.id": pid,
            "otelscope.plan.state": plan_state,
            "otelscope.plan.subtask.count": 2,
            "otelscope.plan.subtask.index": index,
            "otelscope.plan.subtask.state": state,
            "otelscope.plan.subtask.previous_state": was,
        },
    )


def test_a_plan_from_creation_to_completion_is_events_on_the_agent_call(traced) -> None:
    notebook = PlanNotebook()
    reply = plan(notebook, WORK)

    assert reply.get_text_content() == "Done"
    assert notebook.current_plan is None
    [root] = build_trees(traced.spans())
    # No span of its own: the tool calls that made the changes, and the events.
    rounds = [child.children[1].name for child in root.children[:-1]]
    assert rounds == [f"execute_tool {name}" for name, _ in WORK]
    assert not [node for node in root.walk() if node.name.startswith("plan")]
    pid = plan_id(root)
    whole = {"otelscope.plan.id": pid, "otelscope.plan.subtask.count": 2}
    assert events(root) == [
        ("otelscope.plan.created", {**whole, "otelscope.plan.state": "todo"}),
        subtask_changed(pid, 0, "in_progress", "todo", "in_progress"),
        # Finishing a subtask starts the next one: two changes, one call.
        subtask_changed(pid, 0, "done", "in_progress", "in_progress"),
        subtask_changed(pid, 1, "in_progress", "todo", "in_progress"),
        subtask_changed(pid, 1, "done", "in_progress", "in_progress"),
        ("otelscope.plan.finished", {**whole, "otelscope.plan.state": "done"}),
    ]
    assert all(node.status == StatusCode.UNSET for node in root.walk())


def test_revisions_refusals_and_recovery(traced) -> None:
    notebook = PlanNotebook()
    plan(
        notebook,
        [
            CREATE,
            # Refused: the subtask before it is not done. Nothing changed.
            ("finish_subtask", {"subtask_idx": 1, "subtask_outcome": "too early"}),
            ("revise_current_plan", {"subtask_idx": 1, "action": "add", "subtask": subtask("car")}),
            ("finish_plan", {"state": "abandoned", "outcome": "no time"}),
        ],
    )
    [first] = build_trees(traced.spans())
    pid = plan_id(first)
    assert events(first)[1:] == [
        (
            "otelscope.plan.revised",
            {
                "otelscope.plan.id": pid,
                "otelscope.plan.state": "todo",
                "otelscope.plan.subtask.count": 3,
            },
        ),
        (
            "otelscope.plan.finished",
            {
                "otelscope.plan.id": pid,
                "otelscope.plan.state": "abandoned",
                "otelscope.plan.subtask.count": 3,
            },
        ),
    ]

    traced.exporter.clear()
    plan(notebook, [("recover_historical_plan", {"plan_id": pid})], name="Recoverer")
    [second] = build_trees(traced.spans())
    assert events(second) == [
        (
            "otelscope.plan.recovered",
            {
                "otelscope.plan.id": pid,
                "otelscope.plan.state": "abandoned",
                "otelscope.plan.subtask.count": 3,
            },
        )
    ]


def test_a_notebook_used_outside_any_agent_call_records_on_the_current_span(traced) -> None:
    notebook = PlanNotebook()
    tracer = traced.provider.get_tracer("app")

    async def work() -> None:
        with tracer.start_as_current_span("app work"):
            await notebook.create_plan("Trip", "d", "o", [])
        # With no span at all, there is nothing to record on.
        await notebook.finish_plan("done", "ok")

    asyncio.run(work())

    [root] = build_trees(traced.spans())
    assert [name for name, _ in events(root)] == ["otelscope.plan.created"]


def test_a_dropped_trace_records_no_event() -> None:
    traced = Traced(sampler=ALWAYS_OFF)
    traced.instrumentor.instrument(tracer_provider=traced.provider)
    notebook = PlanNotebook()
    try:
        reply = plan(notebook, WORK)
    finally:
        traced.instrumentor.uninstrument()

    assert reply.get_text_content() == "Done"
    assert notebook.current_plan is None
    assert traced.spans() == []


def test_overlapping_calls_keep_each_plans_events_on_their_own_call(traced) -> None:
    async def both() -> list[Msg]:
        agents = [mk.make_agent(name, WORK[:3], notebook=PlanNotebook()) for name in ("Ann", "Ben")]
        return await asyncio.gather(*(agent(Msg("user", "plan", "user")) for agent in agents))

    replies = asyncio.run(both())

    assert [reply.get_text_content() for reply in replies] == ["Done", "Done"]
    roots = {root.name: root for root in build_trees(traced.spans())}
    assert sorted(roots) == ["invoke_agent Ann", "invoke_agent Ben"]
    ids = {plan_id(root) for root in roots.values()}
    assert len(ids) == 2
    for root in roots.values():
        pid = plan_id(root)
        assert [(name, attrs["otelscope.plan.id"]) for name, attrs in events(root)] == [
            ("otelscope.plan.created", pid),
            ("otelscope.plan.subtask.changed", pid),
            ("otelscope.plan.subtask.changed", pid),
            ("otelscope.plan.subtask.changed", pid),
        ]


def test_a_failing_notebook_method_raises_unchanged(traced) -> None:
    notebook = PlanNotebook()

    async def revise_without_a_plan() -> None:
        await notebook.revise_current_plan(0, "delete")

    try:
        asyncio.run(revise_without_a_plan())
    except ValueError as error:
        assert "create a plan" in str(error)
    else:  # pragma: no cover - AgentScope raises here
        raise AssertionError("revise_current_plan accepted a missing plan")
    assert traced.spans() == []


def test_uninstrument_leaves_notebooks_untraced() -> None:
    traced = Traced()
    traced.instrument()
    traced.instrumentor.uninstrument()
    plan(PlanNotebook(), WORK)

    assert traced.spans() == []

"""The plan changes found by comparing a notebook before and after a method
(``otelscope.core.plans``), and the memory records' JSON shape."""

from __future__ import annotations

from otelscope.core.memory import MemoryRecord, memory_records_content
from otelscope.core.plans import PlanSnapshot, PlanState, plan_changes


def state(plan_id: str, plan: str, *subtasks: tuple[int, str]) -> PlanState:
    return PlanState(
        plan_id, plan, tuple(key for key, _ in subtasks), tuple(s for _, s in subtasks)
    )


TODO = state("p1", "todo", (1, "todo"), (2, "todo"))
STARTED = state("p1", "in_progress", (1, "in_progress"), (2, "todo"))


def test_nothing_changed_is_no_event() -> None:
    assert plan_changes(PlanSnapshot(TODO, TODO, TODO)) == []
    assert plan_changes(PlanSnapshot(None, None, None)) == []


def test_a_new_plan_is_created_or_recovered() -> None:
    created = plan_changes(PlanSnapshot(None, None, TODO))
    recovered = plan_changes(PlanSnapshot(None, None, TODO), recovering=True)
    whole = {"otelscope.plan.id": "p1", "otelscope.plan.state": "todo"}
    assert created == [("otelscope.plan.created", {**whole, "otelscope.plan.subtask.count": 2})]
    assert recovered == [("otelscope.plan.recovered", {**whole, "otelscope.plan.subtask.count": 2})]


def test_a_plan_replaced_unfinished_is_only_the_new_ones_creation() -> None:
    other = state("p2", "todo", (3, "todo"))
    [(name, attributes)] = plan_changes(PlanSnapshot(TODO, TODO, other))
    assert (name, attributes["otelscope.plan.id"]) == ("otelscope.plan.created", "p2")


def test_each_subtask_that_changed_is_an_event() -> None:
    [(name, attributes)] = plan_changes(PlanSnapshot(TODO, STARTED, STARTED))
    assert name == "otelscope.plan.subtask.changed"
    assert attributes == {
        "otelscope.plan.id": "p1",
        "otelscope.plan.state": "in_progress",
        "otelscope.plan.subtask.count": 2,
        "otelscope.plan.subtask.index": 0,
        "otelscope.plan.subtask.state": "in_progress",
        "otelscope.plan.subtask.previous_state": "todo",
    }


def test_replaced_subtask_objects_are_a_revision_not_state_changes() -> None:
    revised = state("p1", "todo", (1, "todo"), (9, "todo"), (2, "todo"))
    assert [name for name, _ in plan_changes(PlanSnapshot(TODO, revised, revised))] == [
        "otelscope.plan.revised"
    ]


def test_a_finished_plan_leaves_the_notebook_with_its_end() -> None:
    done = state("p1", "done", (1, "done"), (2, "done"))
    assert plan_changes(PlanSnapshot(STARTED, done, None)) == [
        (
            "otelscope.plan.finished",
            {
                "otelscope.plan.id": "p1",
                "otelscope.plan.state": "done",
                "otelscope.plan.subtask.count": 2,
            },
        )
    ]


def test_memory_records_have_their_content_and_what_else_is_known() -> None:
    records = [
        MemoryRecord("likes tea"),
        MemoryRecord(None, id="m1", score=0.5, metadata={"role": "user"}),
    ]
    assert memory_records_content(records) == {
        "gen_ai.memory.records": [
            {"content": "likes tea"},
            {"content": None, "id": "m1", "score": 0.5, "metadata": {"role": "user"}},
        ]
    }

"""A plan's changes, as events on the agent call's span.

The conventions' ``plan`` span stands for the phase in which an agent
formulates a plan, with the model call that makes it as its child, and is
not to be reported where planning cannot be told from reasoning. A plan
notebook (AgentScope 1.x ``PlanNotebook``) records a plan the model already
made, in a reasoning step's ordinary model call, through a tool call that
follows it; a subtask's progress and a plan's end are not phases at all. So
otelscope records each change as an event (otelscope's extension) on the
span of the agent call it happens in (outside any agent call, on the current
span), where it reads in order with the tool calls that made it:

- ``otelscope.plan.created``: a new plan became the current one
  (``otelscope.plan.recovered`` when it is a historical plan brought back);
- ``otelscope.plan.revised``: the current plan's subtasks were added,
  revised or removed;
- ``otelscope.plan.subtask.changed``: one event per subtask whose state
  changed, with the state before;
- ``otelscope.plan.finished``: the plan ended, ``done`` or ``abandoned``.

Each carries the plan's id, its state and its number of subtasks; never any
text of the plan (its name, description, subtasks and outcomes are the tool
call's arguments, recorded with content capture on). A change is found by
comparing what the notebook held before and after the method that made it
(``PlanState``), so a call that changed nothing (a refused one) records
nothing, and one that changed several things records each.
"""

from __future__ import annotations

from typing import NamedTuple

from opentelemetry import trace
from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.calls import current_call

_FINISHED = ("done", "abandoned")


class PlanState(NamedTuple):
    """What a plan is at one moment: read, never recorded as text."""

    plan_id: str | None
    state: str | None
    # Each subtask object's identity (``id``, compared only: a revision
    # inserts, replaces or removes subtask objects) and state.
    subtasks: tuple[int, ...]
    subtask_states: tuple[str | None, ...]


class PlanSnapshot(NamedTuple):
    """The notebook's current plan before a method ran, and after it: the
    same plan object read again (a finished plan leaves the notebook), and
    whatever plan is current then."""

    before: PlanState | None
    same_plan_after: PlanState | None
    current_after: PlanState | None


Event = tuple[str, dict[str, AttributeValue]]


def plan_changes(snapshot: PlanSnapshot, recovering: bool = False) -> list[Event]:
    """The events of what changed; ``recovering`` when the method brings a
    historical plan back."""
    before, same_after, after = snapshot
    events: list[Event] = []
    if (
        before is not None
        and same_after is not None
        and same_after.state in _FINISHED
        and before.state not in _FINISHED
    ):
        events.append((conv.EVENT_PLAN_FINISHED, _plan(same_after)))
    if after is None:
        return events
    if before is None or after.plan_id != before.plan_id:
        name = conv.EVENT_PLAN_RECOVERED if recovering else conv.EVENT_PLAN_CREATED
        events.append((name, _plan(after)))
    elif after.subtasks != before.subtasks:
        events.append((conv.EVENT_PLAN_REVISED, _plan(after)))
    else:
        states = zip(before.subtask_states, after.subtask_states, strict=True)
        for index, (was, now) in enumerate(states):
            if was != now and now is not None:
                attributes = _plan(after)
                attributes[conv.PLAN_SUBTASK_INDEX] = index
                attributes[conv.PLAN_SUBTASK_STATE] = now
                if was is not None:
                    attributes[conv.PLAN_SUBTASK_PREVIOUS_STATE] = was
                events.append((conv.EVENT_PLAN_SUBTASK_CHANGED, attributes))
    return events


def _plan(state: PlanState) -> dict[str, AttributeValue]:
    attributes: dict[str, AttributeValue] = {conv.PLAN_SUBTASK_COUNT: len(state.subtask_states)}
    if state.plan_id is not None:
        attributes[conv.PLAN_ID] = state.plan_id
    if state.state is not None:
        attributes[conv.PLAN_STATE] = state.state
    return attributes


def record_plan_changes(events: list[Event]) -> None:
    """Add ``events`` to the span of the agent call that is running, else to
    the current span; nothing on a span that does not record (a dropped
    call's) or has ended."""
    if not events:
        return
    call = current_call()
    if call is not None:
        if call.ended:
            return
        span = call.span
    else:
        span = trace.get_current_span()
    if not span.is_recording():
        return
    for name, attributes in events:
        span.add_event(name, attributes)

"""Plan events for AgentScope 1.x: the ``PlanNotebook`` methods that change
its plan.

``create_plan``, ``revise_current_plan``, ``update_subtask_state``,
``finish_subtask``, ``finish_plan`` and ``recover_historical_plan`` are the
notebook's tool functions (``list_tools``) that change the plan: each is
wrapped on the class, so a notebook's tools registered after
``instrument()`` reach the wrapper (a bound method taken before it keeps the
original). The notebook's current plan is read before and after the method
runs; the events are ``otelscope.core.plans``'s. No span: see there why.

Installed when ``agentscope.plan`` is imported (``agentscope`` imports it).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any, NamedTuple

from otelscope.core.guard import Arguments, guarded_coroutine
from otelscope.core.patching import Patches
from otelscope.core.plans import (
    PlanSnapshot,
    PlanState,
    plan_changes,
    record_plan_changes,
)
from otelscope.core.telemetry import Telemetry
from otelscope.core.values import field, text

_CHANGING = (
    "create_plan",
    "revise_current_plan",
    "update_subtask_state",
    "finish_subtask",
    "finish_plan",
    "recover_historical_plan",
)


def install(patches: Patches, telemetry: Telemetry) -> None:
    from agentscope.plan import PlanNotebook

    for name in _CHANGING:
        steps = _PlanChangeSteps(recovering=name == "recover_historical_plan")
        patches.wrap(PlanNotebook, name, guarded_coroutine(steps))


class _Before(NamedTuple):
    notebook: Any
    plan: Any
    state: PlanState | None


class _PlanChangeSteps:
    what = "a plan's events"

    def __init__(self, recovering: bool) -> None:
        self._recovering = recovering

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> _Before:
        notebook = args[0]
        plan = field(notebook, "current_plan")
        return _Before(notebook, plan, plan_state(plan))

    def scope(self, before: _Before, args: Arguments) -> AbstractContextManager[object]:
        # The method runs where it was called: the events go on the call's span.
        return nullcontext()

    def returned(self, before: _Before, result: Any) -> Any:
        self._record(before)
        return result

    def failed(self, before: _Before, error: BaseException) -> None:
        # A method that raised may have changed the plan before it did.
        self._record(before)

    def _record(self, before: _Before) -> None:
        snapshot = PlanSnapshot(
            before.state,
            plan_state(before.plan),
            plan_state(field(before.notebook, "current_plan")),
        )
        record_plan_changes(plan_changes(snapshot, recovering=self._recovering))


def plan_state(plan: Any) -> PlanState | None:
    """What a 1.x ``Plan`` is now (None for no plan)."""
    if plan is None:
        return None
    subtasks = field(plan, "subtasks")
    subtasks = list(subtasks) if isinstance(subtasks, list) else []
    return PlanState(
        plan_id=text(field(plan, "id")),
        state=text(field(plan, "state")),
        subtasks=tuple(id(subtask) for subtask in subtasks),
        subtask_states=tuple(text(field(subtask, "state")) for subtask in subtasks),
    )

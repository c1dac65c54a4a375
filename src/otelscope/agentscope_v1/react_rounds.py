"""`react step` spans for AgentScope 1.x: ``ReActAgent._reasoning`` / ``_acting``.

A round opens when reasoning starts and stays open through the acting that
follows; the next reasoning or the end of the call closes it. The round
counter lives on the per-call state, so overlapping calls on one agent count
their own rounds. The methods are wrapped on the class, outside AgentScope's
hook runner, whose per-instance flag skips hooks for overlapping calls.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from contextlib import AbstractContextManager
from typing import Any

from otelscope.core import calls
from otelscope.core.guard import Arguments, guarded_coroutine
from otelscope.core.invocations import AgentCall, ReactRound
from otelscope.core.streams import step_scope

Method = Callable[..., Coroutine[Any, Any, Any]]


def traced_reasoning() -> Callable[[Method], Method]:
    """Reasoning opens the next round of the current call."""
    return guarded_coroutine(_RoundPartSteps(AgentCall.begin_round))


def traced_acting() -> Callable[[Method], Method]:
    """Acting runs inside the open round (and marks it as having acted)."""
    return guarded_coroutine(_RoundPartSteps(AgentCall.round_for_acting))


class _RoundPartSteps:
    """Reasoning or acting: the round stays open after it, unless it failed."""

    what = "a react step span"

    def __init__(self, open_round: Callable[[AgentCall], ReactRound]) -> None:
        self._open_round = open_round

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> ReactRound | None:
        # Only the agent's own call: a callback of another agent's call, or
        # of a call started before instrumentation, is not traced. A round of
        # a dropped call would record nothing: it has no span and no metric.
        call = calls.own_call(args[0])
        return None if call is None or call.dropped else self._open_round(call)

    def scope(self, react_round: ReactRound, args: Arguments) -> AbstractContextManager[object]:
        return step_scope(react_round)

    def returned(self, react_round: ReactRound, result: Any) -> Any:
        return result

    def failed(self, react_round: ReactRound, error: BaseException) -> None:
        react_round.part_failed(error)

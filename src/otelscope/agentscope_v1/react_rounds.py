"""`react step` spans for AgentScope 1.x: ``ReActAgent._reasoning`` / ``_acting``.

A round opens when reasoning starts and stays open through the acting that
follows; the next reasoning or the end of the call closes it. The round
counter lives on the per-call state, so overlapping calls on one agent count
their own rounds. The methods are wrapped on the class, outside AgentScope's
hook runner, whose per-instance flag skips hooks for overlapping calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from otelscope.core import calls
from otelscope.core.calls import AgentCall, ReactRound
from otelscope.core.guard import report_internal_error, suppressed
from otelscope.core.streams import step_scope
from otelscope.core.telemetry import Telemetry

Method = Callable[..., Coroutine[Any, Any, Any]]


def traced_reasoning(telemetry: Telemetry) -> Callable[[Method], Method]:
    """Reasoning opens the next round of the current call."""
    return _traced_round_part(telemetry.begin_round)


def traced_acting(telemetry: Telemetry) -> Callable[[Method], Method]:
    """Acting runs inside the open round (and marks it as having acted)."""
    return _traced_round_part(telemetry.round_for_acting)


def _traced_round_part(
    open_round: Callable[[AgentCall], ReactRound],
) -> Callable[[Method], Method]:
    def wrap(original: Method) -> Method:
        async def round_part(self: Any, *args: Any, **kwargs: Any) -> Any:
            call = _own_call(self)
            react_round = _open(open_round, call)
            if call is None or react_round is None:
                return await original(self, *args, **kwargs)
            try:
                with step_scope(react_round.operation):
                    return await original(self, *args, **kwargs)
            except BaseException as error:
                _fail(call, react_round, error)
                raise

        return round_part

    return wrap


def _own_call(agent: Any) -> AgentCall | None:
    return None if suppressed() else calls.own_call(agent)


def _open(opener: Callable[[AgentCall], ReactRound], call: AgentCall | None) -> ReactRound | None:
    if call is None:
        return None
    try:
        return opener(call)
    except Exception:
        report_internal_error("opening a react step span")
        return None


def _fail(call: AgentCall, react_round: ReactRound, error: BaseException) -> None:
    try:
        if isinstance(error, asyncio.CancelledError):
            call.cancelled = True
        Telemetry.fail_round(react_round, error)
    except Exception:
        report_internal_error("ending a react step span")

"""`invoke_agent` spans for AgentScope 1.x: ``AgentBase.__call__``.

``__call__`` is the one entry every 1.x agent shares (``ReActAgent``,
``UserAgent``, user subclasses, and the calls that pipelines and ``MsgHub``
make). It is not hook-wrapped, so wrapping it sidesteps the hook runner's
per-instance re-entrancy flag that drops hooks under concurrency.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from contextlib import AbstractContextManager
from typing import Any, NamedTuple

from otelscope.agentscope_common.agent_calls import begin_agent_call, record_reply
from otelscope.agentscope_v1 import readers
from otelscope.agentscope_v1.a2a_agents import REMOTE_AGENTS
from otelscope.agentscope_v1.native_tracing import native_tracing_off
from otelscope.core.cancellation import cancel_requests
from otelscope.core.guard import Arguments, guarded_coroutine
from otelscope.core.invocations import AgentCall
from otelscope.core.streams import step_scope
from otelscope.core.telemetry import Telemetry

AgentCallMethod = Callable[..., Coroutine[Any, Any, Any]]


def traced_agent_call(telemetry: Telemetry) -> Callable[[AgentCallMethod], AgentCallMethod]:
    return guarded_coroutine(_AgentCallSteps(telemetry))


class _Running(NamedTuple):
    call: AgentCall
    # Cancellations requested before the call: one more after it means the
    # call was cancelled, even though `__call__` answered normally.
    cancel_requests_before: int


class _AgentCallSteps:
    what = "an invoke_agent span"

    def __init__(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> _Running | None:
        agent = args[0]
        call = begin_agent_call(
            self._telemetry, agent, readers.agent_info, args[1:], kwargs, input_keyword="msg"
        )
        return None if call is None else _Running(call, cancel_requests())

    def scope(self, running: _Running, args: Arguments) -> AbstractContextManager[object]:
        call = running.call
        # An agent in another process (A2A): its protocol's SDK reports to it.
        remote = call if isinstance(args[0], REMOTE_AGENTS) else None
        return step_scope(call, call, also=native_tracing_off(), remote=remote)

    def returned(self, running: _Running, result: Any) -> Any:
        call = running.call
        try:
            # `__call__` swallows a cancellation (interrupt, task cancel,
            # timeout) and answers with `handle_interrupt` instead: the call
            # was still cancelled.
            cancelled = cancel_requests() > running.cancel_requests_before
            if cancelled or readers.is_interrupted_reply(result):
                call.mark_cancelled()
            record_reply(self._telemetry, call, result)
        finally:
            # The call ends even if reading its reply failed.
            call.end()
        return result

    def failed(self, running: _Running, error: BaseException) -> None:
        running.call.end(error)

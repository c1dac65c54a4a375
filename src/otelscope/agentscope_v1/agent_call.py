"""`invoke_agent` spans for AgentScope 1.x: ``AgentBase.__call__``.

``__call__`` is the one entry every 1.x agent shares (``ReActAgent``,
``UserAgent``, user subclasses, and the calls that pipelines and ``MsgHub``
make). It is not hook-wrapped, so wrapping it sidesteps the hook runner's
per-instance re-entrancy flag that drops hooks under concurrency.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from otelscope.agentscope_common.agent_calls import begin_agent_call, record_reply
from otelscope.agentscope_v1 import readers
from otelscope.agentscope_v1.a2a_agents import REMOTE_AGENTS
from otelscope.agentscope_v1.native_tracing import native_tracing_off
from otelscope.core.calls import AgentCall
from otelscope.core.cancellation import cancel_requests
from otelscope.core.guard import safely, suppressed
from otelscope.core.streams import step_scope
from otelscope.core.telemetry import Telemetry

AgentCallMethod = Callable[..., Coroutine[Any, Any, Any]]


def traced_agent_call(telemetry: Telemetry) -> Callable[[AgentCallMethod], AgentCallMethod]:
    def wrap(original: AgentCallMethod) -> AgentCallMethod:
        async def __call__(self: Any, *args: Any, **kwargs: Any) -> Any:
            call = (
                None
                if suppressed()
                else begin_agent_call(
                    telemetry, self, readers.agent_info, args, kwargs, input_keyword="msg"
                )
            )
            if call is None:
                return await original(self, *args, **kwargs)
            requests_before = cancel_requests()
            # An agent in another process (A2A): its protocol's SDK reports to it.
            remote = call.operation if isinstance(self, REMOTE_AGENTS) else None
            try:
                with step_scope(call.operation, call, remote=remote), native_tracing_off():
                    result = await original(self, *args, **kwargs)
            except BaseException as error:
                _end(telemetry, call, error)
                raise
            safely("reading an interruption", _note_interruption, call, requests_before, result)
            if telemetry.capturing_on_spans:
                safely("recording a reply", record_reply, telemetry, call, result)
            _end(telemetry, call, None)
            return result

        return __call__

    return wrap


def _end(telemetry: Telemetry, call: AgentCall, error: BaseException | None) -> None:
    safely("ending an invoke_agent span", telemetry.end_agent_call, call, error)


def _note_interruption(call: AgentCall, cancel_requests_before: int, result: Any) -> None:
    """`__call__` swallows a cancellation (interrupt, task cancel, timeout)
    and answers with `handle_interrupt` instead: the call was still cancelled."""
    if cancel_requests() > cancel_requests_before or readers.is_interrupted_reply(result):
        call.cancelled = True

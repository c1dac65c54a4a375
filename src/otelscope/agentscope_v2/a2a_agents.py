"""Agents reached over A2A on AgentScope 2.x: ``A2AAgent``.

2.x's ``A2AAgent`` is not an ``Agent``: it has no middleware chain, so
otelscope's middleware never sees it. Its two entries are wrapped on the
class instead, ``reply`` (a coroutine) and ``reply_stream`` (a stream of
events). Neither calls the other (both drive the private ``_reply``), so a
call through either is one ``invoke_agent`` span; a subclass whose entry
calls the other, or ``super()``'s, is still one. The span is a CLIENT span
that the A2A client reports to (``otelscope.protocols.a2a_client``),
entered around the reply and each step of its stream.

The agent's description and version come from its card. The conversation
is the A2A context: the one the agent's state continues, else its session
id, until the remote agent's answer names it. A reply AgentScope ends as
interrupted (a task the remote agent canceled) ends the call cancelled, as
for a local agent. ``reply_stream`` yields the final message only when asked
(``yield_final_msg``), so its output content is recorded only then.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Coroutine, Mapping
from contextlib import AbstractContextManager
from typing import Any

from otelscope.agentscope_common.agent_calls import begin_agent_call, record_reply
from otelscope.agentscope_v2 import readers
from otelscope.agentscope_v2.middleware import ReplyObserver
from otelscope.core.guard import Arguments, guarded_coroutine, guarded_stream
from otelscope.core.invocations import AgentCall
from otelscope.core.patching import Patches
from otelscope.core.records import AgentInfo
from otelscope.core.streams import step_scope, traced_stream
from otelscope.core.telemetry import Telemetry
from otelscope.core.values import text

Reply = Callable[..., Coroutine[Any, Any, Any]]
ReplyStream = Callable[..., AsyncGenerator[Any, None]]


def install(telemetry: Telemetry, patches: Patches) -> None:
    try:
        from agentscope.agent import A2AAgent
    except ImportError:  # a 2.x release without A2A support
        return
    patches.wrap(A2AAgent, "reply", traced_reply(telemetry))
    patches.wrap(A2AAgent, "reply_stream", traced_reply_stream(telemetry))


def agent_info(agent: Any) -> AgentInfo:
    card = getattr(agent, "_agent_card", None)
    state = getattr(agent, "state", None)
    context_id = text(getattr(state, "context_id", None))
    return AgentInfo(
        name=text(getattr(agent, "name", None)) or text(getattr(card, "name", None)) or "A2AAgent",
        agent_id=readers.agent_id(agent),
        provider=None,
        model=None,
        conversation_id=context_id or text(getattr(state, "session_id", None)),
        remote=True,
        description=text(getattr(card, "description", None)),
        version=text(getattr(card, "version", None)),
    )


def traced_reply(telemetry: Telemetry) -> Callable[[Reply], Reply]:
    return guarded_coroutine(_ReplySteps(telemetry))


def traced_reply_stream(telemetry: Telemetry) -> Callable[[ReplyStream], ReplyStream]:
    return guarded_stream(_ReplyStreamSteps(telemetry))


def _begin(telemetry: Telemetry, args: Arguments, kwargs: Mapping[str, Any]) -> AgentCall | None:
    return begin_agent_call(
        telemetry, args[0], agent_info, args[1:], kwargs, input_keyword="inputs"
    )


class _ReplySteps:
    what = "an invoke_agent span"

    def __init__(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> AgentCall | None:
        return _begin(self._telemetry, args, kwargs)

    def scope(self, call: AgentCall, args: Arguments) -> AbstractContextManager[object]:
        return step_scope(call, call, remote=call)

    def returned(self, call: AgentCall, reply: Any) -> Any:
        try:
            if readers.is_interrupted_reply_end(reply):
                call.mark_cancelled()
            record_reply(self._telemetry, call, reply)
        finally:
            call.end()
        return reply

    def failed(self, call: AgentCall, error: BaseException) -> None:
        call.end(error)


class _ReplyStreamSteps:
    what = "an invoke_agent span"

    def __init__(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> AgentCall | None:
        return _begin(self._telemetry, args, kwargs)

    def traced(
        self, call: AgentCall, events: AsyncGenerator[Any, None]
    ) -> AsyncGenerator[Any, None]:
        observer = ReplyObserver(self._telemetry, call)
        return traced_stream(events, call, observer, call=call, remote=call)

    def failed(self, call: AgentCall, error: BaseException | None) -> None:
        if error is None:
            call.mark_cancelled()
        call.end(error)

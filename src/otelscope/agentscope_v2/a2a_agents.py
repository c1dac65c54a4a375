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

from collections.abc import AsyncGenerator, Callable, Coroutine
from typing import Any

from otelscope.agentscope_common.agent_calls import begin_agent_call, record_reply
from otelscope.agentscope_v2 import readers
from otelscope.agentscope_v2.middleware import ReplyObserver
from otelscope.core.calls import AgentCall
from otelscope.core.guard import safely, suppressed
from otelscope.core.patching import Patches
from otelscope.core.streams import step_scope, traced_stream
from otelscope.core.telemetry import AgentInfo, Telemetry
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
    def wrap(original: Reply) -> Reply:
        async def reply(self: Any, *args: Any, **kwargs: Any) -> Any:
            call = (
                None
                if suppressed()
                else begin_agent_call(
                    telemetry, self, agent_info, args, kwargs, input_keyword="inputs"
                )
            )
            if call is None:
                return await original(self, *args, **kwargs)
            try:
                with step_scope(call.operation, call, remote=call.operation):
                    result = await original(self, *args, **kwargs)
            except BaseException as error:
                _end(telemetry, call, error)
                raise
            safely("reading an A2A reply", _replied, telemetry, call, result)
            _end(telemetry, call, None)
            return result

        return reply

    return wrap


def traced_reply_stream(telemetry: Telemetry) -> Callable[[ReplyStream], ReplyStream]:
    def wrap(original: ReplyStream) -> ReplyStream:
        # A plain function returning a real async generator, the traced one
        # or AgentScope's own: nothing of the reply runs before its first step.
        def reply_stream(self: Any, *args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
            call = (
                None
                if suppressed()
                else begin_agent_call(
                    telemetry, self, agent_info, args, kwargs, input_keyword="inputs"
                )
            )
            events = original(self, *args, **kwargs)
            if call is None:
                return events
            observer = ReplyObserver(telemetry, call)
            return traced_stream(events, call.operation, observer, call=call, remote=call.operation)

        return reply_stream

    return wrap


def _replied(telemetry: Telemetry, call: AgentCall, reply: Any) -> None:
    if readers.is_interrupted_reply_end(reply):
        call.cancelled = True
    if telemetry.capturing_on_spans:
        record_reply(telemetry, call, reply)


def _end(telemetry: Telemetry, call: AgentCall, error: BaseException | None) -> None:
    safely("ending an invoke_agent span", telemetry.end_agent_call, call, error)

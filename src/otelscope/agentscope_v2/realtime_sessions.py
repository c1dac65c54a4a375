"""`realtime_session` and `realtime_turn` spans for AgentScope 2.x
``RealtimeAgent``.

A session is one ``RealtimeAgent.reply_stream(transport)``: the agent
talking with one client, from the call until its stream ends (the
transport's input ended), fails or is closed. The model session underneath
(``connect`` / ``close``) may outlive it or be re-established inside it;
what a user debugs is the conversation the stream carries. Turns are read
from the events the stream yields, as its consumer takes them: a
``ReplyStartEvent`` opens one (the agent's reply, or the user's utterance,
by its role), the ``ReplyEndEvent`` of the same reply id ends it with its
finished reason, each ``ModelCallEndEvent`` of the reply adds its
tokens, and, with content capture on, its ``TextBlockDeltaEvent``s make
what the agent said (the transcript of its reply). Model calls are not
spans of their own (the realtime model speaks over one socket). The agent
runs a reply's tool calls in a task of its own
(``_run_tool``, one call each): wrapped to run in the span of the turn of
its reply id, so the tool's ``execute_tool`` span nests under the turn.
The agent's tasks run ahead of the stream's consumer, so a tool may start
before the consumer has taken its reply's start: the turn then starts with
the tool. The
session of each agent's running stream is per-agent state (a
``WeakKeyDictionary``, rule 3 of ``otelscope.core.calls``). Where the
model's socket goes is read from its open connection when the stream
starts (an agent connects its model before it streams).
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncGenerator, Mapping
from contextlib import AbstractContextManager
from typing import Any

from otelscope.agentscope_common import realtime_endpoints
from otelscope.agentscope_common.providers import provider_for_class
from otelscope.core.guard import Arguments, guarded_coroutine, guarded_stream
from otelscope.core.operation import Operation
from otelscope.core.patching import Patches
from otelscope.core.realtime import ROLE_ASSISTANT, RealtimeSession, SessionInfo, start_session
from otelscope.core.streams import step_scope, traced_stream
from otelscope.core.telemetry import Telemetry
from otelscope.core.values import field, integer, text


def install(telemetry: Telemetry, patches: Patches) -> None:
    from agentscope.agent import RealtimeAgent

    patches.wrap(RealtimeAgent, "reply_stream", guarded_stream(_SessionSteps(telemetry)))
    patches.wrap(RealtimeAgent, "_run_tool", guarded_coroutine(_ToolSteps()))


# The session of each agent's running `reply_stream`.
_sessions: weakref.WeakKeyDictionary[Any, RealtimeSession] = weakref.WeakKeyDictionary()


class _SessionSteps:
    what = "a realtime_session span"

    def __init__(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> RealtimeSession:
        agent = args[0]
        model = field(agent, "model")
        address, port = realtime_endpoints.of_connection(field(model, "_ws"))
        info = SessionInfo(
            text(field(agent, "name")) or "realtime_agent",
            provider_for_class(type(model)) if model is not None else None,
            text(field(model, "model")),
            text(field(field(agent, "state"), "session_id")),
            address,
            port,
        )
        session = start_session(self._telemetry, info)
        _sessions[agent] = session
        return session

    def traced(
        self, session: RealtimeSession, source: AsyncGenerator[Any, None]
    ) -> AsyncGenerator[Any, None]:
        return traced_stream(source, session.operation, _Turns(session))

    def failed(self, session: RealtimeSession, error: BaseException | None) -> None:
        session.end(error)


class _ToolSteps:
    """Runs a tool call of a reply in the span of the reply's turn."""

    what = "a realtime tool call's turn"

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> Operation | None:
        session = _sessions.get(args[0])
        if session is None or session.operation.ended:
            return None
        reply_id = str(args[1] if len(args) > 1 else kwargs.get("reply_id"))
        turn = session.turn_operation(reply_id)
        if turn is None:
            # The consumer has not taken the reply's start yet: the turn
            # starts here, and that start, when taken, finds it open.
            session.turn_started(reply_id, ROLE_ASSISTANT)
            turn = session.turn_operation(reply_id)
        return turn or session.operation

    def scope(self, turn: Operation, args: Arguments) -> AbstractContextManager[object]:
        return step_scope(turn)

    def returned(self, turn: Operation, result: Any) -> Any:
        return result

    def failed(self, turn: Operation, error: BaseException) -> None:
        return None


class _Turns:
    """Reads the turns from the session's events."""

    __slots__ = ("_session",)

    def __init__(self, session: RealtimeSession) -> None:
        self._session = session

    def item(self, event: Any) -> None:
        kind = type(event).__name__
        if kind == "ReplyStartEvent":
            self._session.turn_started(str(event.reply_id), str(field(event, "role")))
        elif kind == "TextBlockDeltaEvent":
            self._session.turn_spoke(str(event.reply_id), str(event.delta))
        elif kind == "ModelCallEndEvent":
            self._session.turn_used(
                str(event.reply_id),
                integer(field(event, "input_tokens")),
                integer(field(event, "output_tokens")),
            )
        elif kind == "ReplyEndEvent":
            reason = field(event, "finished_reason")
            self._session.turn_ended(str(event.reply_id), str(reason) if reason else None)

    def finished(self) -> None:
        self._session.end()

    def failed(self, error: BaseException) -> None:
        self._session.end(error)

    def closed(self) -> None:
        self._session.end(cancelled=True)

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
finished reason, and each ``ModelCallEndEvent`` of the reply adds its
tokens. Model calls and tool calls of a turn are not spans of their own
(the realtime model speaks over one socket; the agent runs its tools
itself).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Any

from otelscope.agentscope_common.providers import provider_for_class
from otelscope.core.guard import Arguments, guarded_stream
from otelscope.core.patching import Patches
from otelscope.core.realtime import RealtimeSession, SessionInfo, start_session
from otelscope.core.streams import traced_stream
from otelscope.core.telemetry import Telemetry
from otelscope.core.values import field, integer, text


def install(telemetry: Telemetry, patches: Patches) -> None:
    from agentscope.agent import RealtimeAgent

    patches.wrap(RealtimeAgent, "reply_stream", guarded_stream(_SessionSteps(telemetry)))


class _SessionSteps:
    what = "a realtime_session span"

    def __init__(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> RealtimeSession:
        agent = args[0]
        model = field(agent, "model")
        info = SessionInfo(
            text(field(agent, "name")) or "realtime_agent",
            provider_for_class(type(model)) if model is not None else None,
            text(field(model, "model")),
            text(field(field(agent, "state"), "session_id")),
        )
        return start_session(self._telemetry, info)

    def traced(
        self, session: RealtimeSession, source: AsyncGenerator[Any, None]
    ) -> AsyncGenerator[Any, None]:
        return traced_stream(source, session.operation, _Turns(session))

    def failed(self, session: RealtimeSession, error: BaseException | None) -> None:
        session.end(error)


class _Turns:
    """Reads the turns from the session's events."""

    __slots__ = ("_session",)

    def __init__(self, session: RealtimeSession) -> None:
        self._session = session

    def item(self, event: Any) -> None:
        kind = type(event).__name__
        if kind == "ReplyStartEvent":
            self._session.turn_started(str(event.reply_id), str(field(event, "role")))
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

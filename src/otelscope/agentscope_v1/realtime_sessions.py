"""`realtime_session` and `realtime_turn` spans for AgentScope 1.x
``RealtimeAgent`` (1.0.x releases that ship ``agentscope.realtime``; 1.0.8
has none).

**Session.** A 1.x realtime agent holds one session at a time: ``start``
connects its realtime model and starts the agent's loops as tasks;
``stop`` disconnects. Nothing of the user's is awaited in between, so the
session is per-agent state (a ``WeakKeyDictionary``, rule 3 of
``otelscope.core.calls``): it starts with ``start`` (failed, if ``start``
raises) and ends when ``stop`` returns. A second ``start`` without a
``stop`` ends the first session cancelled. The session's span is current
while ``start`` runs, so the tasks it starts, and what they run, are under it.

**Turns** are read from the model events each realtime model class parses
from its socket (each class's own ``parse_api_message``, wrapped on every
class that defines one), in the receiving task ``start`` started. Which
session those events belong to is a ``ContextVar`` set while ``start``
runs (rule 1): that task inherits it, and a model connected outside
``start`` reports to no session.

- An agent turn is one model response: from its ``ModelResponseCreatedEvent``
  to the ``ModelResponseDoneEvent`` of the same response id, with that
  event's tokens, and, when the response asked for tools, until the agent's
  tools (``_acting``, a task per tool call) have run. 1.x has no reply that
  spans several responses: the response to a tool's result is a turn of its
  own. ``_acting`` runs with its turn's span current, so the tool's
  ``execute_tool`` span nests under the turn that asked for it.
- A user turn is one utterance the provider's voice activity detection
  heard: ``ModelInputStartedEvent`` to ``ModelInputDoneEvent`` of the same
  item. Typed text makes no such events and no turn.
- A ``ModelErrorEvent`` fails the response in progress with the provider's
  error code; with no response in progress it is an event on the session.
- With content capture on, an agent turn carries what the agent said: the
  transcript deltas of its response. What the user said is not recorded:
  the provider transcribes an utterance after its turn has ended.

The session also carries where the model's socket goes (``server.address``,
``server.port``, read from the model's ``websocket_url``; the query, which
holds Gemini's key, is never read).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar, Token
from typing import Any

from otelscope.agentscope_common import realtime_endpoints
from otelscope.agentscope_common.providers import provider_for_class
from otelscope.core.guard import Arguments, guarded_coroutine
from otelscope.core.hierarchy import wrap_own_methods
from otelscope.core.operation import Operation
from otelscope.core.patching import Patches
from otelscope.core.realtime import (
    ROLE_ASSISTANT,
    TURN_COMPLETED,
    RealtimeSession,
    SessionInfo,
    start_session,
)
from otelscope.core.streams import step_scope
from otelscope.core.telemetry import Telemetry
from otelscope.core.values import field, integer, text

ROLE_USER = "user"


def install(patches: Patches, telemetry: Telemetry) -> None:
    from agentscope.agent import RealtimeAgent
    from agentscope.realtime import RealtimeModelBase

    patches.wrap(RealtimeAgent, "start", guarded_coroutine(_StartSteps(telemetry)))
    patches.wrap(RealtimeAgent, "stop", guarded_coroutine(_StopSteps()))
    patches.wrap(RealtimeAgent, "_acting", guarded_coroutine(_ActingSteps()))
    wrap_own_methods(
        RealtimeModelBase, "parse_api_message", guarded_coroutine(_ParseSteps()), patches
    )


class _LiveSession:
    """A session in flight and what its turns are waiting for."""

    __slots__ = (
        "_answered",
        "_responding",
        "_tool_turns",
        "_tools_pending",
        "runs_tools",
        "session",
    )

    def __init__(self, session: RealtimeSession, runs_tools: bool) -> None:
        self.session = session
        # Whether the agent runs the tools its model asks for (it has a toolkit).
        self.runs_tools = runs_tools
        # The response being generated (an error event names none).
        self._responding: str | None = None
        # Open agent turns -> how many of their tool calls are still running.
        self._tools_pending: dict[str, int] = {}
        # Turns whose response is done, waiting for their tools.
        self._answered: set[str] = set()
        # Tool call id -> the turn that asked for it.
        self._tool_turns: dict[str, str] = {}

    def observe(self, events: Any) -> None:
        for event in events if isinstance(events, list) else (events,):
            self._event(event)

    def _event(self, event: Any) -> None:
        kind = type(event).__name__
        if kind == "ModelResponseCreatedEvent":
            self._response_created(str(event.response_id))
        elif kind == "ModelResponseToolUseDoneEvent":
            self._tool_asked(str(event.response_id), str(field(event.tool_use, "id")))
        elif kind == "ModelResponseAudioTranscriptDeltaEvent":
            self.session.turn_spoke(str(event.response_id), str(event.delta))
        elif kind == "ModelResponseDoneEvent":
            self._response_done(
                str(event.response_id),
                integer(field(event, "input_tokens")),
                integer(field(event, "output_tokens")),
            )
        elif kind == "ModelInputStartedEvent":
            self.session.turn_started(str(event.item_id), ROLE_USER)
        elif kind == "ModelInputDoneEvent":
            self.session.turn_ended(str(event.item_id), TURN_COMPLETED)
        elif kind == "ModelErrorEvent":
            self._error(event)

    def _response_created(self, response_id: str) -> None:
        self.session.turn_started(response_id, ROLE_ASSISTANT)
        self._responding = response_id
        self._tools_pending[response_id] = 0

    def _tool_asked(self, response_id: str, call_id: str) -> None:
        if self.runs_tools and response_id in self._tools_pending:
            self._tools_pending[response_id] += 1
            self._tool_turns[call_id] = response_id

    def _response_done(
        self, response_id: str, input_tokens: int | None, output_tokens: int | None
    ) -> None:
        if self._responding == response_id:
            self._responding = None
        self.session.turn_used(response_id, input_tokens, output_tokens)
        if self._tools_pending.get(response_id):
            self._answered.add(response_id)
        else:
            self._end_turn(response_id)

    def _error(self, event: Any) -> None:
        error_type = text(field(event, "code")) or text(field(event, "error_type")) or "error"
        message = text(field(event, "message")) or error_type
        response_id, self._responding = self._responding, None
        if response_id is None:
            self.session.error_reported(error_type, message)
            return
        self._tools_pending.pop(response_id, None)
        self._answered.discard(response_id)
        self.session.turn_failed(response_id, error_type, message)

    def tool_turn(self, call_id: str) -> Operation | None:
        """The span of the turn that asked for the tool call ``call_id``."""
        response_id = self._tool_turns.get(call_id)
        return None if response_id is None else self.session.turn_operation(response_id)

    def tool_done(self, call_id: str) -> None:
        response_id = self._tool_turns.pop(call_id, None)
        if response_id is None or response_id not in self._tools_pending:
            return
        self._tools_pending[response_id] -= 1
        if not self._tools_pending[response_id] and response_id in self._answered:
            self._end_turn(response_id)

    def _end_turn(self, response_id: str) -> None:
        self._tools_pending.pop(response_id, None)
        self._answered.discard(response_id)
        self.session.turn_ended(response_id, TURN_COMPLETED)


# The session of each agent that was started (rule 3), and the one the
# running task's model events belong to (rule 1).
_sessions: weakref.WeakKeyDictionary[Any, _LiveSession] = weakref.WeakKeyDictionary()
_receiving: ContextVar[_LiveSession | None] = ContextVar(
    "otelscope_v1_realtime_session", default=None
)


class _Receiving:
    """Makes ``live`` the session model events go to, for ``start``'s await."""

    __slots__ = ("_live", "_token")

    def __init__(self, live: _LiveSession) -> None:
        self._live = live
        self._token: Token[_LiveSession | None] | None = None

    def __enter__(self) -> None:
        self._token = _receiving.set(self._live)

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _receiving.reset(self._token)


class _StartSteps:
    what = "a realtime_session span"

    def __init__(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> _LiveSession:
        agent = args[0]
        earlier = _sessions.pop(agent, None)
        if earlier is not None:
            earlier.session.end(cancelled=True)
        model = field(agent, "model")
        address, port = realtime_endpoints.of_url(field(model, "websocket_url"))
        info = SessionInfo(
            text(field(agent, "name")) or "realtime_agent",
            provider_for_class(type(model)) if model is not None else None,
            text(field(model, "model_name")),
            server_address=address,
            server_port=port,
        )
        live = _LiveSession(
            start_session(self._telemetry, info), field(agent, "toolkit") is not None
        )
        _sessions[agent] = live
        return live

    def scope(self, live: _LiveSession, args: Arguments) -> AbstractContextManager[object]:
        return step_scope(live.session.operation, also=_Receiving(live))

    def returned(self, live: _LiveSession, result: Any) -> Any:
        return result

    def failed(self, live: _LiveSession, error: BaseException) -> None:
        live.session.end(error)


class _StopSteps:
    what = "the end of a realtime_session span"

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> _LiveSession | None:
        return _sessions.pop(args[0], None)

    def scope(self, live: _LiveSession, args: Arguments) -> AbstractContextManager[object]:
        return nullcontext()

    def returned(self, live: _LiveSession, result: Any) -> Any:
        live.session.end()
        return result

    def failed(self, live: _LiveSession, error: BaseException) -> None:
        live.session.end(error)


class _ToolInTurn:
    __slots__ = ("call_id", "live", "turn")

    def __init__(self, live: _LiveSession, call_id: str, turn: Operation) -> None:
        self.live = live
        self.call_id = call_id
        self.turn = turn


class _ActingSteps:
    """Runs a tool call of the agent in the span of the turn that asked for it."""

    what = "a realtime tool call's turn"

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> _ToolInTurn | None:
        live = _sessions.get(args[0])
        if live is None:
            return None
        call_id = str(field(args[1] if len(args) > 1 else kwargs.get("tool_use"), "id"))
        turn = live.tool_turn(call_id)
        return None if turn is None else _ToolInTurn(live, call_id, turn)

    def scope(self, tool: _ToolInTurn, args: Arguments) -> AbstractContextManager[object]:
        return step_scope(tool.turn)

    def returned(self, tool: _ToolInTurn, result: Any) -> Any:
        tool.live.tool_done(tool.call_id)
        return result

    def failed(self, tool: _ToolInTurn, error: BaseException) -> None:
        tool.live.tool_done(tool.call_id)


class _ParseSteps:
    """Hands the events a model parsed to the session its task belongs to."""

    what = "reading realtime model events"

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> _LiveSession | None:
        return _receiving.get()

    def scope(self, live: _LiveSession, args: Arguments) -> AbstractContextManager[object]:
        return nullcontext()

    def returned(self, live: _LiveSession, events: Any) -> Any:
        if events is not None:
            live.observe(events)
        return events

    def failed(self, live: _LiveSession, error: BaseException) -> None:
        return None

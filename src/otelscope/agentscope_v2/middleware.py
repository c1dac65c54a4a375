"""otelscope's middleware on AgentScope 2.x agents, and how it is attached.

2.x agents run replies, reasoning and acting through middleware chains whose
lists each agent filters once in ``__init__``. otelscope inserts one
middleware at the front of three of those lists (outermost, so the user's
own middlewares run inside its spans) while the agent has calls in flight;
``otelscope.core.attachment`` counts the calls and detaches after the last.

- ``on_reply`` opens the ``invoke_agent`` span and sets the per-call state;
- ``on_reasoning`` opens the next ``react step``;
- ``on_acting`` runs a tool call inside the open round.

Each hook returns a traced generator (``otelscope.core.streams``) that attaches
its span and call state around every step of the inner chain only. While
attached, AgentScope's own ``TracingMiddleware`` is taken out of the agent's
lists (and put back at its place on detach), so no operation is traced twice.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any

from agentscope.middleware import MiddlewareBase

from otelscope.agentscope_common.agent_calls import begin_agent_call, record_reply
from otelscope.agentscope_v2 import permissions, readers
from otelscope.agentscope_v2.agent_reply import adopt_reply
from otelscope.core import calls
from otelscope.core.attachment import AgentAttachments, AttachStep
from otelscope.core.guard import Arguments, guarded_stream, safely
from otelscope.core.invocations import AgentCall, ReactRound
from otelscope.core.streams import traced_stream
from otelscope.core.telemetry import Telemetry

NextHandler = Callable[..., AsyncGenerator[Any, None]]

_LISTS = ("_reply_middlewares", "_reasoning_middlewares", "_acting_middlewares")
# Every list AgentScope's TracingMiddleware can be in (it also traces model calls).
_NATIVE_LISTS = (*_LISTS, "_model_call_middlewares")


class OtelscopeMiddleware(MiddlewareBase):  # type: ignore[misc]
    """Translates a 2.x agent's reply, reasoning and acting into spans."""

    def __init__(self, telemetry: Telemetry) -> None:
        self._retired = False
        self._reply = guarded_stream(_ReplySteps(telemetry, self))(_next)
        self._reasoning = guarded_stream(_RoundPartSteps(AgentCall.begin_round))(_next)
        self._acting = guarded_stream(_RoundPartSteps(AgentCall.round_for_acting))(_next)

    @property
    def retired(self) -> bool:
        return self._retired

    def retire(self) -> None:
        """After ``uninstrument()``: start no new calls, but let the calls in
        flight (which may still hold this middleware) finish their spans."""
        self._retired = True

    def on_reply(
        self, agent: Any, input_kwargs: dict[str, Any], next_handler: NextHandler
    ) -> AsyncGenerator[Any, None]:
        return self._reply(agent, input_kwargs, next_handler)

    def on_reasoning(
        self, agent: Any, input_kwargs: dict[str, Any], next_handler: NextHandler
    ) -> AsyncGenerator[Any, None]:
        return self._reasoning(agent, input_kwargs, next_handler)

    def on_acting(
        self, agent: Any, input_kwargs: dict[str, Any], next_handler: NextHandler
    ) -> AsyncGenerator[Any, None]:
        return self._acting(agent, input_kwargs, next_handler)


def _next(
    agent: Any, input_kwargs: dict[str, Any], next_handler: NextHandler
) -> AsyncGenerator[Any, None]:
    """The rest of the chain: what each of the middleware's hooks wraps."""
    return next_handler(**input_kwargs)


class _ReplySteps:
    """A reply is an agent call, ended with its reply stream."""

    what = "an invoke_agent span"

    def __init__(self, telemetry: Telemetry, middleware: OtelscopeMiddleware) -> None:
        self._telemetry = telemetry
        self._middleware = middleware

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> AgentCall | None:
        if self._middleware.retired:
            return None
        agent, input_kwargs = args[0], args[1]
        call = begin_agent_call(
            self._telemetry, agent, readers.agent_info, (), input_kwargs, input_keyword="inputs"
        )
        inputs = input_kwargs.get("inputs")
        if call is not None and isinstance(inputs, readers.RESUMING_EVENTS):
            # A reply resumed after the user's approval (`permissions`).
            safely("resuming a reply", permissions.resumed, self._telemetry, call, inputs)
        return call

    def traced(
        self, call: AgentCall, source: AsyncGenerator[Any, None]
    ) -> AsyncGenerator[Any, None]:
        observer = ReplyObserver(self._telemetry, call)
        traced = traced_stream(source, call, observer, call=call)
        safely("adopting a reply stream", adopt_reply, call.agent, traced)
        return traced

    def failed(self, call: AgentCall, error: BaseException | None) -> None:
        if error is None:
            call.mark_cancelled()
        call.end(error)


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

    def traced(
        self, react_round: ReactRound, source: AsyncGenerator[Any, None]
    ) -> AsyncGenerator[Any, None]:
        return traced_stream(source, react_round, _RoundPart(react_round))

    def failed(self, react_round: ReactRound, error: BaseException | None) -> None:
        react_round.part_failed(error)


class ReplyObserver:
    """Ends the agent call with its reply stream."""

    __slots__ = ("_call", "_reply", "_telemetry")

    def __init__(self, telemetry: Telemetry, call: AgentCall) -> None:
        self._telemetry = telemetry
        self._call = call
        self._reply: Any = None

    def item(self, item: Any) -> None:
        if isinstance(item, readers.REPLY_MESSAGE):
            self._reply = item
        # A cancelled 2.x reply ends normally with an "interrupted" event.
        elif isinstance(item, readers.REPLY_END_EVENT) and readers.is_interrupted_reply_end(item):
            self._call.mark_cancelled()

    def finished(self) -> None:
        try:
            record_reply(self._telemetry, self._call, self._reply)
        finally:
            self._call.end()

    def failed(self, error: BaseException) -> None:
        self._call.end(error)

    def closed(self) -> None:
        self._call.mark_cancelled()
        self._call.end()


class _RoundPart:
    """Observes reasoning or acting: only how it fails matters."""

    __slots__ = ("_round",)
    item = None

    def __init__(self, react_round: ReactRound) -> None:
        self._round = react_round

    def finished(self) -> None:
        pass

    def failed(self, error: BaseException) -> None:
        self._round.part_failed(error)

    def closed(self) -> None:
        self._round.part_failed(None)


class _FrontOfList:
    """Our middleware at the front of one of the agent's middleware lists."""

    def __init__(self, list_name: str, middleware: OtelscopeMiddleware) -> None:
        self.name = f"otelscope middleware in {list_name}"
        self._list_name = list_name
        self._middleware = middleware

    def attach(self, agent: object) -> None:
        chain: list[Any] = getattr(agent, self._list_name)
        chain.insert(0, self._middleware)

    def detach(self, agent: object) -> bool:
        chain: list[Any] = getattr(agent, self._list_name)
        for index, item in enumerate(chain):
            if item is self._middleware:
                del chain[index]
                return True
        return False


class _NativeTracingSetAside:
    """AgentScope's ``TracingMiddleware`` out of the lists while we trace."""

    name = "native TracingMiddleware set-aside"

    def __init__(self) -> None:
        from agentscope.middleware import TracingMiddleware

        self._native_type: type = TracingMiddleware
        # Per agent: (list name, index, middleware) to put back on detach.
        self._removed: weakref.WeakKeyDictionary[object, list[tuple[str, int, Any]]] = (
            weakref.WeakKeyDictionary()
        )

    def attach(self, agent: object) -> None:
        removed: list[tuple[str, int, Any]] = []
        for list_name in _NATIVE_LISTS:
            chain: list[Any] = getattr(agent, list_name)
            for index in reversed(range(len(chain))):
                if isinstance(chain[index], self._native_type):
                    removed.append((list_name, index, chain.pop(index)))
        if removed:
            self._removed[agent] = removed

    def detach(self, agent: object) -> bool:
        for list_name, index, middleware in reversed(self._removed.pop(agent, [])):
            getattr(agent, list_name).insert(index, middleware)
        return True


def attachments(middleware: OtelscopeMiddleware) -> AgentAttachments:
    """Attach ``middleware`` to agents, setting their TracingMiddleware aside."""
    steps: list[AttachStep] = [_NativeTracingSetAside()]
    steps.extend(_FrontOfList(list_name, middleware) for list_name in _LISTS)
    return AgentAttachments(steps)

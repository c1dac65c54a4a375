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

import asyncio
import weakref
from collections.abc import AsyncGenerator, Callable
from typing import Any

from agentscope.middleware import MiddlewareBase

from otelscope.agentscope_common.agent_calls import begin_agent_call
from otelscope.agentscope_common.messages import to_messages
from otelscope.agentscope_v2 import readers
from otelscope.agentscope_v2.agent_reply import adopt_reply
from otelscope.core import calls
from otelscope.core import conventions as conv
from otelscope.core.attachment import AgentAttachments, AttachStep
from otelscope.core.calls import AgentCall, ReactRound
from otelscope.core.guard import report_internal_error, safely, suppressed
from otelscope.core.streams import traced_stream
from otelscope.core.telemetry import Telemetry

NextHandler = Callable[..., AsyncGenerator[Any, None]]

_LISTS = ("_reply_middlewares", "_reasoning_middlewares", "_acting_middlewares")
# Every list AgentScope's TracingMiddleware can be in (it also traces model calls).
_NATIVE_LISTS = (*_LISTS, "_model_call_middlewares")


class OtelscopeMiddleware(MiddlewareBase):  # type: ignore[misc]
    """Translates a 2.x agent's reply, reasoning and acting into spans."""

    def __init__(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry
        self._retired = False

    def retire(self) -> None:
        """After ``uninstrument()``: start no new calls, but let the calls in
        flight (which may still hold this middleware) finish their spans."""
        self._retired = True

    def on_reply(
        self, agent: Any, input_kwargs: dict[str, Any], next_handler: NextHandler
    ) -> AsyncGenerator[Any, None]:
        call = (
            None
            if self._retired or suppressed()
            else begin_agent_call(
                self._telemetry, agent, readers.agent_info, (), input_kwargs, input_keyword="inputs"
            )
        )
        inner = next_handler(**input_kwargs)
        if call is None:
            return inner
        traced = traced_stream(
            inner, call.operation, ReplyObserver(self._telemetry, call), call=call
        )
        safely("adopting a reply stream", adopt_reply, agent, traced)
        return traced

    def on_reasoning(
        self, agent: Any, input_kwargs: dict[str, Any], next_handler: NextHandler
    ) -> AsyncGenerator[Any, None]:
        return self._round_part(agent, input_kwargs, next_handler, self._telemetry.begin_round)

    def on_acting(
        self, agent: Any, input_kwargs: dict[str, Any], next_handler: NextHandler
    ) -> AsyncGenerator[Any, None]:
        return self._round_part(agent, input_kwargs, next_handler, self._telemetry.round_for_acting)

    @staticmethod
    def _round_part(
        agent: Any,
        input_kwargs: dict[str, Any],
        next_handler: NextHandler,
        open_round: Callable[[AgentCall], ReactRound],
    ) -> AsyncGenerator[Any, None]:
        inner = next_handler(**input_kwargs)
        call = None if suppressed() else calls.own_call(agent)
        if call is None:
            return inner
        try:
            react_round = open_round(call)
        except Exception:
            report_internal_error("opening a react step span")
            return inner
        return traced_stream(inner, react_round.operation, _RoundPart(call, react_round))


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
            self._call.cancelled = True

    def finished(self) -> None:
        if self._telemetry.capturing_on_spans and self._reply is not None:
            output = to_messages(self._reply)
            self._telemetry.record_content(self._call.operation, {conv.OUTPUT_MESSAGES: output})
        self._telemetry.end_agent_call(self._call)

    def failed(self, error: BaseException) -> None:
        self._telemetry.end_agent_call(self._call, error)

    def closed(self) -> None:
        self._call.cancelled = True
        self._telemetry.end_agent_call(self._call)


class _RoundPart:
    """Reasoning or acting: the round stays open after it, unless it failed."""

    __slots__ = ("_call", "_round")

    def __init__(self, call: AgentCall, react_round: ReactRound) -> None:
        self._call = call
        self._round = react_round

    def item(self, item: Any) -> None:
        pass

    def finished(self) -> None:
        pass

    def failed(self, error: BaseException) -> None:
        if isinstance(error, asyncio.CancelledError):
            self._call.cancelled = True
        Telemetry.fail_round(self._round, error)

    def closed(self) -> None:
        self._call.cancelled = True
        Telemetry.fail_round(self._round, None)


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

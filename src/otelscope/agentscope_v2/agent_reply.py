"""Holding otelscope's middleware on a 2.x agent for each reply in flight.

``Agent.reply`` and ``Agent.reply_stream`` (both public, both driving the
private ``_reply`` chain) acquire the agent's attachment before the reply
starts and release it when the reply ends, however it ends. The spans
themselves come from the middleware (``otelscope.agentscope_v2.middleware``).

A consumer that abandons ``reply_stream`` gets the traced reply and the
model stream being read closed with it (``adopt_reply``,
``adopting_model_streams``), newest first, so each span ends before the one
that holds it.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncGenerator, Callable, Coroutine, Mapping
from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar
from typing import Any, NamedTuple

from otelscope.core import calls
from otelscope.core.attachment import AgentAttachments
from otelscope.core.guard import (
    Arguments,
    guarded_coroutine,
    report_internal_error,
    safely,
    suppressed,
)


class _OpenReply(NamedTuple):
    """A ``reply_stream`` taking a step in this context."""

    agent: object
    # The task taking the step.
    task: asyncio.Task[Any] | None
    # The streams opened during its steps that must close with it: the traced
    # reply of `on_reply` and the agent's model streams.
    opened: list[AsyncGenerator[Any, None]]


# Set around each step of a `reply_stream` only, never across a `yield`.
_open_replies: ContextVar[_OpenReply | None] = ContextVar("otelscope_v2_open_replies", default=None)

Reply = Callable[..., Coroutine[Any, Any, Any]]
ModelCall = Callable[..., Coroutine[Any, Any, Any]]
ReplyStream = Callable[..., AsyncGenerator[Any, None]]


def held_reply(attachments: AgentAttachments) -> Callable[[Reply], Reply]:
    return guarded_coroutine(_HeldReply(attachments))


class _HeldReply:
    """A reply holds the agent's attachment from its start to its end."""

    what = "holding an agent's attachment"

    def __init__(self, attachments: AgentAttachments) -> None:
        self._attachments = attachments

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> Any:
        agent = args[0]
        return agent if self._attachments.acquire(agent) else None

    def scope(self, agent: Any, args: Arguments) -> AbstractContextManager[object]:
        return _NOTHING

    def returned(self, agent: Any, result: Any) -> Any:
        self._attachments.release(agent)
        return result

    def failed(self, agent: Any, error: BaseException) -> None:
        self._attachments.release(agent)


_NOTHING = nullcontext()


def held_reply_stream(attachments: AgentAttachments) -> Callable[[ReplyStream], ReplyStream]:
    """Held from the stream's first step to its end: a stream that is never
    iterated holds nothing (so this is an async generator of its own, not
    ``guarded_stream``, which starts when the stream is made)."""

    def wrap(original: ReplyStream) -> ReplyStream:
        async def reply_stream(self: Any, *args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
            held = _acquire(attachments, self)
            events = original(self, *args, **kwargs)
            opened: list[AsyncGenerator[Any, None]] = []
            try:
                while True:
                    # Built in C: the named tuple's own `__new__` is a Python call.
                    step = tuple.__new__(_OpenReply, (self, asyncio.current_task(), opened))
                    token = _open_replies.set(step)
                    try:
                        event = await events.__anext__()
                    except StopAsyncIteration:
                        return
                    finally:
                        _open_replies.reset(token)
                    yield event
            finally:
                try:
                    await _close_all(opened, events)
                finally:
                    if held:
                        safely("releasing an agent", attachments.release, self)

        return reply_stream

    return wrap


def adopt_reply(agent: Any, traced_reply: AsyncGenerator[Any, None]) -> None:
    """Let the ``reply_stream`` running this step close ``traced_reply``.

    AgentScope's ``reply_stream`` and ``_reply`` do not close the generators
    they iterate, so a consumer that abandons ``reply_stream`` would leave the
    reply's span open until garbage collection. Closing the traced reply
    stream when ``reply_stream`` closes ends the call (as cancelled) at once.
    """
    holder = _open_replies.get()
    if holder is not None and holder.agent is agent:
        holder.opened.append(traced_reply)


async def _close_all(
    traced_replies: list[AsyncGenerator[Any, None]], events: AsyncGenerator[Any, None]
) -> None:
    try:
        # Newest first: a model stream before the reply that holds it. A
        # finished stream closes as a no-op.
        for traced_reply in reversed(traced_replies):
            await traced_reply.aclose()
    finally:
        await events.aclose()


def adopting_model_streams(
    wrap_call: Callable[[ModelCall], ModelCall],
) -> Callable[[ModelCall], ModelCall]:
    """``wrap_call`` (the traced ``ChatModelBase.__call__``), whose streamed
    responses to an agent's own reasoning close with its ``reply_stream``.

    AgentScope iterates a model stream with ``async for`` and never closes
    it, so when the consumer abandons ``reply_stream`` mid-stream, the chat
    span would stay open until garbage collection: after its round and its
    call ended, with a duration that runs until then.
    """

    def wrap(original: ModelCall) -> ModelCall:
        traced = wrap_call(original)

        async def __call__(self: Any, *args: Any, **kwargs: Any) -> Any:
            response = await traced(self, *args, **kwargs)
            if inspect.isasyncgen(response):
                safely("adopting a model stream", _adopt_model_stream, response)
            return response

        return __call__

    return wrap


def _adopt_model_stream(stream: AsyncGenerator[Any, None]) -> None:
    holder = _open_replies.get()
    # Only the agent's own reasoning, in the task of its reply_stream: a tool's
    # task inherits this context, and a call made there (a sub-agent, or the
    # agent calling itself) may still be reading its stream when this closes.
    if (
        holder is not None
        and holder.task is asyncio.current_task()
        and calls.own_call(holder.agent) is not None
    ):
        holder.opened.append(stream)


def _acquire(attachments: AgentAttachments, agent: Any) -> bool:
    if suppressed():
        return False
    try:
        return attachments.acquire(agent)
    except Exception:
        report_internal_error("attaching to an agent")
        return False

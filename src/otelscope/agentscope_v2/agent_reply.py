"""Holding otelscope's middleware on a 2.x agent for each reply in flight.

``Agent.reply`` and ``Agent.reply_stream`` (both public, both driving the
private ``_reply`` chain) acquire the agent's attachment before the reply
starts and release it when the reply ends, however it ends. The spans
themselves come from the middleware (``otelscope.agentscope_v2.middleware``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Coroutine
from contextvars import ContextVar
from typing import Any

from otelscope.core.attachment import AgentAttachments
from otelscope.core.guard import report_internal_error, safely, suppressed

# The agent whose `reply_stream` is taking a step in this context, and the
# traced reply streams `on_reply` opened during its steps (set around each
# step only, never across a `yield`).
_open_replies: ContextVar[tuple[object, list[AsyncGenerator[Any, None]]] | None] = ContextVar(
    "otelscope_v2_open_replies", default=None
)

Reply = Callable[..., Coroutine[Any, Any, Any]]
ReplyStream = Callable[..., AsyncGenerator[Any, None]]


def held_reply(attachments: AgentAttachments) -> Callable[[Reply], Reply]:
    def wrap(original: Reply) -> Reply:
        async def reply(self: Any, *args: Any, **kwargs: Any) -> Any:
            held = _acquire(attachments, self)
            try:
                return await original(self, *args, **kwargs)
            finally:
                if held:
                    safely("releasing an agent", attachments.release, self)

        return reply

    return wrap


def held_reply_stream(attachments: AgentAttachments) -> Callable[[ReplyStream], ReplyStream]:
    def wrap(original: ReplyStream) -> ReplyStream:
        async def reply_stream(self: Any, *args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
            held = _acquire(attachments, self)
            events = original(self, *args, **kwargs)
            opened: list[AsyncGenerator[Any, None]] = []
            try:
                while True:
                    token = _open_replies.set((self, opened))
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
    if holder is not None and holder[0] is agent:
        holder[1].append(traced_reply)


async def _close_all(
    traced_replies: list[AsyncGenerator[Any, None]], events: AsyncGenerator[Any, None]
) -> None:
    try:
        for traced_reply in traced_replies:  # a finished one closes as a no-op
            await traced_reply.aclose()
    finally:
        await events.aclose()


def _acquire(attachments: AgentAttachments, agent: Any) -> bool:
    if suppressed():
        return False
    try:
        return attachments.acquire(agent)
    except Exception:
        report_internal_error("attaching to an agent")
        return False

"""Holding otelscope's middleware on a 2.x agent for each reply in flight.

``Agent.reply`` and ``Agent.reply_stream`` (both public, both driving the
private ``_reply`` chain) acquire the agent's attachment before the reply
starts and release it when the reply ends, however it ends. The spans
themselves come from the middleware (``otelscope.agentscope_v2.middleware``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Coroutine
from typing import Any

from otelscope.core.attachment import AgentAttachments
from otelscope.core.guard import report_internal_error, safely, suppressed

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
            try:
                async for event in events:
                    yield event
            finally:
                try:
                    await events.aclose()
                finally:
                    if held:
                        safely("releasing an agent", attachments.release, self)

        return reply_stream

    return wrap


def _acquire(attachments: AgentAttachments, agent: Any) -> bool:
    if suppressed():
        return False
    try:
        return attachments.acquire(agent)
    except Exception:
        report_internal_error("attaching to an agent")
        return False

"""`gen_ai.conversation.id`: which conversation a span belongs to.

AgentScope names a conversation itself: 1.x by the run id of
``agentscope.init`` (one per process unless a context sets its own), 2.x by
each agent state's ``session_id`` (so an agent called by another agent opens a
conversation of its own). An application that serves many conversations from
one process names each one with ``otelscope.conversation(...)``, which wins
over AgentScope's id for every span started inside it, in this task and the
tasks it creates.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_conversation_id: ContextVar[str | None] = ContextVar("otelscope_conversation_id", default=None)


@contextmanager
def conversation(conversation_id: str) -> Iterator[None]:
    """Mark every span started inside the block as part of ``conversation_id``."""
    if not isinstance(conversation_id, str) or not conversation_id:
        raise ValueError("conversation_id must be a non-empty string")
    token = _conversation_id.set(conversation_id)
    try:
        yield
    finally:
        _conversation_id.reset(token)


def chosen_conversation_id() -> str | None:
    """The conversation id the application set for the running code, if any."""
    return _conversation_id.get()

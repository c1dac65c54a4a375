"""Per-call state, and the concurrency rules that every adapter follows.

The call itself is ``otelscope.core.invocations.AgentCall``; this module
says where it lives while its code runs.

The rules
---------
1. Per-call state lives in the ``ContextVar`` ``_current_call`` and never on an
   agent, model or toolkit instance. One agent instance serves many calls at
   once (chat tabs, ``asyncio.gather``, threads); anything stored on the
   instance would be overwritten by the next call. asyncio copies the context
   into every task it creates, so tool calls run by ``asyncio.gather`` inside a
   call still see that call, while sibling calls never see each other.
2. A callback that fires where no call state is set does nothing: it may
   belong to a call that started before otelscope was instrumented.
3. Per-agent state (machinery attached to an agent while it has calls in
   flight) lives in ``weakref.WeakKeyDictionary`` objects keyed on the agent
   itself, never on ``id(agent)``, which Python reuses once the agent is freed
   (see ``otelscope.core.attachment``).
4. Context is attached and detached in the same synchronous stretch or around
   one ``await`` of a coroutine, never across a ``yield`` to a consumer: an
   async generator may be resumed or closed from another task, where a token
   attached earlier cannot be detached. Async generators are therefore
   wrapped so that the context is attached around each step (``anext``) only
   (see ``otelscope.core.streams``).
5. Every span ends exactly once (``otelscope.core.operation.Operation``), and a
   call that ends closes whatever round of it is still open.

The test module ``tests/*/test_concurrency.py`` of each AgentScope line has a
test for each rule.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING

from opentelemetry import trace

if TYPE_CHECKING:
    from otelscope.core.invocations import AgentCall


_current_call: ContextVar[AgentCall | None] = ContextVar("otelscope_agent_call", default=None)


# The three accessors are the ContextVar's own methods, not Python functions
# around them: they run on every traced step.
current_call: Callable[[], AgentCall | None] = _current_call.get
"""The agent call that the running code belongs to, if any."""

enter_call: Callable[[AgentCall | None], Token[AgentCall | None]] = _current_call.set
"""Make a call the current call; pair with ``leave_call`` in the same context."""

leave_call: Callable[[Token[AgentCall | None]], None] = _current_call.reset
"""Undo the matching ``enter_call``."""


def own_call(agent: object) -> AgentCall | None:
    """The current call if it is ``agent``'s own; a round or tool callback of
    another agent, or of a call started before instrumentation, gets None."""
    call = _current_call.get()
    return call if call is not None and call.agent is agent else None


def directly_inside_own_call(agent: object) -> bool:
    """True when ``agent``'s call span is the current span: a subclass entry
    that delegates to ``super()`` is the same call, not a nested one. An agent
    that calls itself from a tool is nested (the tool span is current)."""
    call = own_call(agent)
    return call is not None and trace.get_current_span() is call.span

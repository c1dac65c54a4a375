"""Per-call state, and the concurrency rules that every adapter follows.

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

from opentelemetry import trace

from otelscope.core.operation import Operation


class TokenTally:
    """Tokens used by the model calls inside a call or a round."""

    __slots__ = ("input", "output", "reported")

    def __init__(self) -> None:
        self.input = 0
        self.output = 0
        # False until a model call inside reported any usage at all: "no
        # usage known" is left out rather than recorded as zero.
        self.reported = False

    def add(self, input_tokens: int | None, output_tokens: int | None) -> None:
        if input_tokens is None and output_tokens is None:
            return
        self.reported = True
        self.input += input_tokens or 0
        self.output += output_tokens or 0


class ReactRound:
    """One reasoning-acting round of an agent call."""

    __slots__ = ("acted", "number", "operation", "tokens")

    def __init__(self, operation: Operation, number: int) -> None:
        self.operation = operation
        self.number = number
        # Set when the round ran a tool; decides `gen_ai.react.finish_reason`.
        self.acted = False
        self.tokens = TokenTally()


class AgentCall:
    """The state of one agent invocation, owned by the task that runs it."""

    __slots__ = (
        "agent",
        "agent_name",
        "cancelled",
        "conversation_id",
        "dropped",
        "operation",
        "parent",
        "parent_round",
        "round",
        "rounds",
        "tokens",
    )

    def __init__(
        self,
        agent: object,
        agent_name: str,
        operation: Operation,
        conversation_id: str | None = None,
        dropped: bool = False,
    ) -> None:
        self.agent = agent
        # A sampler dropped the call's trace: its parts start no spans of
        # their own (``Telemetry``), and record their metrics all the same.
        self.dropped = dropped
        self.agent_name = agent_name
        # Every span of the call carries it (`gen_ai.conversation.id`).
        self.conversation_id = conversation_id
        self.operation = operation
        self.round: ReactRound | None = None
        self.rounds = 0
        # Set when a part of the call saw a cancellation that the framework
        # then absorbed (AgentScope 1.x turns a cancelled reply into a normal
        # "interrupted" message), so the call can still be marked cancelled.
        self.cancelled = False
        self.tokens = TokenTally()
        # The call (and its round) this call runs inside, if any: a nested
        # agent's tokens count toward the caller's roll-up too.
        self.parent = _current_call.get()
        self.parent_round = self.parent.round if self.parent is not None else None


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
    return call is not None and trace.get_current_span() is call.operation.span

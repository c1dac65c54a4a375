"""Context compression and system prompt changes on AgentScope 2.x.

**Compression.** ``Agent.compress_context`` runs before every reasoning step
(and from the agent's compression tool) and compresses only when the context
exceeds its threshold. A span made for every check would bury the rounds, so
the span starts where compressing starts: ``Agent._split_context_for_
compression``, which AgentScope calls only past the threshold, before the
summary's model call. ``compress_context`` itself is wrapped so that the
span, once started, is current for the rest of the compression (its model
call nests under it: the context is attached inside the same coroutine and
detached when ``compress_context`` returns or raises, rule 4 of
``otelscope.core.calls``) and ends with it. The message counts are
``len(agent.state.context)`` when compressing starts and when it is over.
Which compression is running is a ``ContextVar`` set around the one await of
``compress_context``. The summary is a chat of its own
(``model_calls``). Before a reasoning step, the compression runs between
two rounds: its summary's tokens count toward the call's roll-up, not the
round still open (``compressing_between_rounds``); from the agent's
compression tool, it runs inside the tool call's round and counts there.

**System prompt.** The prompt the agent's model is sent is the first message
of its reasoning's model call (AgentScope builds it per step:
``_get_system_prompt`` with skills, workspace instructions and the
``on_system_prompt`` middlewares). ``model_calls`` hands it here for the
model calls the agent's own reasoning makes (its round's span current);
a prompt that differs from the one the same call sent before is recorded
(``otelscope.core.context_changes``). Per agent, the last prompt and the
call that sent it are kept in a ``WeakKeyDictionary`` (rule 3); nothing is
hashed unless the prompt changed.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar, Token
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.trace import Span, get_current_span

from otelscope.core import context_changes
from otelscope.core.calls import current_call
from otelscope.core.guard import Arguments, guarded_coroutine
from otelscope.core.invocations import AgentCall
from otelscope.core.operation import Operation
from otelscope.core.patching import Patches
from otelscope.core.telemetry import Telemetry


def install(telemetry: Telemetry, patches: Patches) -> PromptWatch:
    """Wrap the compression methods; the watch of system prompts is for the
    model calls' reader (``model_calls``)."""
    from agentscope.agent import Agent

    patches.wrap(Agent, "compress_context", guarded_coroutine(_CompressionSteps()))
    patches.wrap(
        Agent, "_split_context_for_compression", guarded_coroutine(_CompressingSteps(telemetry))
    )
    return PromptWatch(telemetry)


class _Compression:
    """One run of ``compress_context``: the span, once compressing started."""

    __slots__ = ("agent", "attached", "between_rounds", "operation", "running")
    # Set in `_CompressionSteps.begin` (made without an `__init__` call: one
    # is made before every reasoning step).
    agent: Any
    operation: Operation | None
    attached: object
    running: Token[_Compression | None] | None
    # Set with `operation`, once compressing started: whether the compression
    # runs between two rounds of its call (before a reasoning step, the
    # call's own span current) rather than inside one (from the agent's
    # compression tool, its tool call current).
    between_rounds: bool


# The compression the running code belongs to: set around the one await of
# `compress_context`, never across a yield.
_compression: ContextVar[_Compression | None] = ContextVar("otelscope_v2_compression", default=None)
_NOTHING = nullcontext()


class _CompressionSteps:
    """``compress_context``: ends the span its compressing started."""

    what = "a context compression"

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> _Compression | None:
        call = current_call()
        if call is not None and call.dropped:
            return None  # a dropped trace builds nothing
        compression = _Compression.__new__(_Compression)
        compression.agent = args[0]
        compression.operation = compression.attached = None
        compression.running = _compression.set(compression)
        return compression

    def scope(self, compression: _Compression, args: Arguments) -> AbstractContextManager[object]:
        return _NOTHING

    def returned(self, compression: _Compression, result: Any) -> Any:
        # `_leave` written out: this runs before every reasoning step.
        if compression.running is not None:
            _compression.reset(compression.running)
        operation = compression.operation
        if operation is not None:
            if compression.attached is not None:
                otel_context.detach(compression.attached)  # type: ignore[arg-type]
            context_changes.end_compression(operation, _context_length(compression.agent))
        return result

    def failed(self, compression: _Compression, error: BaseException) -> None:
        operation = self._leave(compression)
        if operation is not None:
            operation.fail(error)

    @staticmethod
    def _leave(compression: _Compression) -> Operation | None:
        if compression.running is not None:
            _compression.reset(compression.running)
        if compression.attached is not None:
            otel_context.detach(compression.attached)  # type: ignore[arg-type]
        return compression.operation


class _CompressingSteps:
    """``_split_context_for_compression``: compressing starts (the first call
    of a run; AgentScope may split again with a smaller reserve)."""

    what = "a context compression span"

    def __init__(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> None:
        compression = _compression.get()
        agent = args[0]
        if compression is None or compression.agent is not agent or compression.operation:
            return None
        count = _context_length(agent)
        call = current_call()
        compression.between_rounds = call is not None and get_current_span() is call.span
        operation = context_changes.start_compression(
            self._telemetry, str(getattr(agent, "name", "")) or type(agent).__name__, count or 0
        )
        compression.operation = operation
        if operation.context is not None:
            # Current for the rest of `compress_context`, which detaches it.
            compression.attached = otel_context.attach(operation.context)
        return None

    def scope(self, invocation: None, args: Arguments) -> AbstractContextManager[object]:
        return _NOTHING

    def returned(self, invocation: None, result: Any) -> Any:
        return result

    def failed(self, invocation: None, error: BaseException) -> None:
        pass


def compressing_between_rounds() -> bool:
    """Whether the running code is part of a compression (its summary's model
    call) that runs between two rounds of its call, so belongs to neither."""
    compression = _compression.get()
    return (
        compression is not None and compression.operation is not None and compression.between_rounds
    )


def _context_length(agent: Any) -> int | None:
    context = getattr(getattr(agent, "state", None), "context", None)
    return len(context) if isinstance(context, list) else None


# -- System prompt --------------------------------------------------------------

# Per agent: the span of the call that sent the last prompt (not the call,
# which holds the agent), and the prompt.
_last_prompt: weakref.WeakKeyDictionary[Any, tuple[Span, str]] = weakref.WeakKeyDictionary()


class PromptWatch:
    """Records a change of an agent's system prompt within a call."""

    def __init__(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry

    def sent(self, call: AgentCall, messages: Any) -> None:
        """``call``'s agent sent ``messages`` to its model in a reasoning
        step: a system prompt that differs from the one the same call sent
        before is recorded. (One function: it runs for every reasoning step.)"""
        if not isinstance(messages, list) or not messages:
            return
        first = messages[0]
        if getattr(first, "role", None) != "system":
            return
        content = getattr(first, "content", None)
        if isinstance(content, str):
            prompt = content
        else:
            # A loop, not a comprehension: no frame of its own.
            texts: list[str] = []
            for block in content or ():
                part = getattr(block, "text", None)
                if isinstance(part, str):
                    texts.append(part)
            prompt = "\n".join(texts)
        agent = call.agent
        last = _last_prompt.get(agent)
        _last_prompt[agent] = (call.span, prompt)
        if last is not None and last[0] is call.span and last[1] != prompt:
            context_changes.system_prompt_changed(self._telemetry, call, last[1], prompt)

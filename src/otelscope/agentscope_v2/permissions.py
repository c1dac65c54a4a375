"""Tool permission decisions and human approval on AgentScope 2.x.

Where they come from:

- ``Agent._check_permission`` (the agent's one entry for a tool call's
  decision: its ``on_check_permission`` middlewares, then the
  ``PermissionEngine``, or ALLOW for a call the user already confirmed) is
  wrapped on the class. Its ``PermissionDecision`` is read, never changed:
  ALLOW is kept for the ``execute_tool`` span of ``Toolkit.call_tool`` that
  follows (``tool_calls``), unless it is the tool's own declared permission
  (``FunctionTool(..., permission=ALLOW)``, the very object its
  ``check_permissions`` returns): then nothing was decided for the call and
  nothing is recorded. DENY gets an ``execute_tool`` span of its own
  ended as refused, ASK (and PASSTHROUGH, which the agent treats as ASK) one
  ended as asked, and the ask is remembered for the reply that resumes.
- A reply resumed with a ``UserConfirmResultEvent`` (or aborted with a
  ``UserInterruptEvent``) is seen where its call starts (the middleware's
  ``on_reply``): its span is linked to the suspended replies' spans, a
  refused tool call gets its refused span there (AgentScope runs no check
  for it), and an accepted one's decision waits for its tool span.

State: per agent, in a ``WeakKeyDictionary`` keyed on the agent (rule 3 of
``otelscope.core.calls``): the decisions waiting for their tool spans (each
with the call that made it, so a tool span of another call never takes it)
and the asks waiting for an answer (the asking reply's span context and the
time asked). Nothing is kept on the call path or on AgentScope's objects.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any, NamedTuple

from opentelemetry.trace import Span, SpanContext

from otelscope.agentscope_common.call_readers import AgentScopeToolReader
from otelscope.agentscope_v2 import readers
from otelscope.core import conventions as conv
from otelscope.core import permissions
from otelscope.core.calls import current_call
from otelscope.core.guard import Arguments, CoroutineFunction, guarded_coroutine
from otelscope.core.invocations import AgentCall, ToolOperation
from otelscope.core.patching import Patches
from otelscope.core.permissions import PermissionRecord
from otelscope.core.streams import step_scope
from otelscope.core.telemetry import Telemetry
from otelscope.core.tool_call import begin_tool
from otelscope.core.values import text

# AgentScope's behaviors, as recorded (PASSTHROUGH asks the user too).
_DECISIONS = {
    "allow": conv.PERMISSION_ALLOW,
    "deny": conv.PERMISSION_DENY,
    "ask": conv.PERMISSION_ASK,
    "passthrough": conv.PERMISSION_ASK,
}
_CONFIRMED_STATE = "allowed"
TOOL_READER = AgentScopeToolReader(readers.tool_facts, readers.tool_outcome)
_USER_DENIED = "The user refused to run the tool"


class _Asked(NamedTuple):
    """A tool call waiting for the user's answer."""

    suspended: SpanContext
    asked_at: float
    reason: str | None
    mode: str | None


class _Waiting:
    """One agent's decisions and asks in flight."""

    __slots__ = ("asked", "decided")

    def __init__(self) -> None:
        # Tool call id -> (the span of the call that decided, its decision),
        # until the tool's span takes it. The call's span, not the call: the
        # call holds the agent, which this dictionary must not keep alive.
        self.decided: dict[str, tuple[Span, PermissionRecord]] = {}
        self.asked: dict[str, _Asked] = {}

    def keep(self, call: AgentCall, tool_call_id: str, record: PermissionRecord) -> None:
        # A decision whose tool never ran (its call ended first) is dropped
        # as the next one is kept.
        for stale in [key for key, (span, _) in self.decided.items() if not span.is_recording()]:
            del self.decided[stale]
        self.decided[tool_call_id] = (call.span, record)


_waiting: weakref.WeakKeyDictionary[Any, _Waiting] = weakref.WeakKeyDictionary()
# The agent's decisions and asks, if it has any (a tool call looks first).
waiting_for = _waiting.get


def _waiting_of(agent: Any) -> _Waiting:
    found = _waiting.get(agent)
    if found is None:
        found = _waiting[agent] = _Waiting()
    return found


def install(telemetry: Telemetry, patches: Patches) -> None:
    from agentscope.agent import Agent

    patches.wrap(Agent, "_check_permission", _traced_check(telemetry))


def _traced_check(telemetry: Telemetry) -> Callable[[CoroutineFunction], CoroutineFunction]:
    return guarded_coroutine(_CheckSteps(telemetry))


class _Check(NamedTuple):
    call: AgentCall
    tool_call: Any
    tool: Any
    started: float
    # The user confirmed it in the reply that resumed.
    confirmed: bool


_NOTHING = nullcontext()


class _CheckSteps:
    what = "a tool call's permission decision"

    def __init__(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> _Check | None:
        call = current_call()
        # Only the agent's own call, and nothing under a dropped trace.
        if call is None or call.agent is not args[0] or call.dropped:
            return None
        tool_call = args[1] if len(args) > 1 else kwargs.get("tool_call")
        tool = args[2] if len(args) > 2 else kwargs.get("tool")
        confirmed = str(getattr(tool_call, "state", "")) == _CONFIRMED_STATE
        return _Check(call, tool_call, tool, time.perf_counter(), confirmed)

    def scope(self, check: _Check, args: Arguments) -> AbstractContextManager[object]:
        return _NOTHING

    def returned(self, check: _Check, decision: Any) -> Any:
        waited = time.perf_counter() - check.started
        behavior = getattr(getattr(decision, "behavior", None), "value", None)
        verdict = _DECISIONS.get(str(behavior))
        tool_call_id = text(getattr(check.tool_call, "id", None))
        if verdict is None or tool_call_id is None:
            return decision
        if verdict == conv.PERMISSION_ALLOW and decision is getattr(check.tool, "_permission", 0):
            # The tool declares itself always allowed (`FunctionTool(...,
            # permission=ALLOW)`): nothing was decided for this call.
            return decision
        call = check.call
        waiting = _waiting_of(call.agent)
        if check.confirmed and tool_call_id in waiting.decided:
            # The user's answer, recorded when the reply resumed.
            return decision
        record = PermissionRecord(
            verdict,
            # A call the user confirmed (asked before otelscope saw it) is
            # allowed by that answer, whatever waited since.
            conv.PERMISSION_BY_USER
            if check.confirmed and verdict == conv.PERMISSION_ALLOW
            else conv.PERMISSION_BY_POLICY,
            waited,
            text(getattr(decision, "decision_reason", None)),
            _mode_of(call.agent),
        )
        if verdict == conv.PERMISSION_ALLOW:
            waiting.keep(call, tool_call_id, record)
        elif verdict == conv.PERMISSION_DENY:
            message = text(getattr(decision, "message", None)) or "permission denied"
            refused = refused_tool(self._telemetry, call, check.tool_call)
            permissions.refused(refused, record, message)
        else:
            self._ask(call, check.tool_call, record)
            waiting.asked[tool_call_id] = _Asked(
                call.span.get_span_context(), time.perf_counter(), record.reason, record.mode
            )
        return decision

    def failed(self, check: _Check, error: BaseException) -> None:
        """A check that raised decided nothing; the error goes on to the agent."""

    def _ask(self, call: AgentCall, tool_call: Any, record: PermissionRecord) -> None:
        telemetry = self._telemetry
        # In the round that asked for the tool, like the span of a tool that runs.
        with step_scope(call.round_for_acting()):
            info = TOOL_READER.info(_toolkit(call), tool_call)
            operation = permissions.asked(telemetry, info, record)
        if telemetry.wants_span_content(operation):
            arguments = TOOL_READER.arguments(tool_call)
            telemetry.record_content(operation, {conv.TOOL_CALL_ARGUMENTS: arguments})
        operation.stop()


def refused_tool(telemetry: Telemetry, call: AgentCall, tool_call: Any) -> ToolOperation:
    """The ``execute_tool`` span of a tool call that will not run, in the
    round that asked for it."""
    with step_scope(call.round_for_acting()):
        return begin_tool(telemetry, TOOL_READER, _toolkit(call), tool_call)


def apply_decision(operation: ToolOperation, call: AgentCall, tool_call: Any) -> None:
    """Give the ``execute_tool`` span of a tool about to run in ``call`` the
    decision that allowed it, if one of this call's checks made one."""
    waiting = waiting_for(call.agent)
    if waiting is None:
        return
    found = waiting.decided.pop(str(getattr(tool_call, "id", "")), None)
    if found is not None and found[0] is call.span:
        permissions.record_decision(operation, found[1])


def resumed(telemetry: Telemetry, call: AgentCall, event: Any) -> None:
    """``call`` resumes replies suspended for approval with ``event`` (the
    user's answers) or aborts them (an interrupt)."""
    waiting = _waiting.get(call.agent)
    if waiting is None or not waiting.asked:
        return
    answers = getattr(event, "confirm_results", None)
    if call.dropped:
        # A dropped trace builds nothing; the answered asks are done with.
        if answers is None:
            waiting.asked.clear()
        for answer in answers or ():
            waiting.asked.pop(str(getattr(getattr(answer, "tool_call", None), "id", "")), None)
        return
    if answers is None:
        # An interrupt closes every tool call waiting for an answer.
        suspended = [asked.suspended for asked in waiting.asked.values()]
        waiting.asked.clear()
        permissions.link_resumed(call, suspended)
        return
    now = time.perf_counter()
    links: list[SpanContext] = []
    for answer in answers:
        tool_call = getattr(answer, "tool_call", None)
        tool_call_id = str(getattr(tool_call, "id", ""))
        asked = waiting.asked.pop(tool_call_id, None)
        if asked is None:
            continue
        links.append(asked.suspended)
        confirmed = getattr(answer, "confirmed", None) is True
        record = PermissionRecord(
            conv.PERMISSION_ALLOW if confirmed else conv.PERMISSION_DENY,
            conv.PERMISSION_BY_USER,
            now - asked.asked_at,
            asked.reason,
            asked.mode,
        )
        if confirmed:
            waiting.keep(call, tool_call_id, record)
        else:
            permissions.refused(refused_tool(telemetry, call, tool_call), record, _USER_DENIED)
    permissions.link_resumed(call, links)


def _toolkit(call: AgentCall) -> Any:
    return getattr(call.agent, "toolkit", None)


def _mode_of(agent: Any) -> str | None:
    """The mode of the permission engine that decided."""
    engine = getattr(agent, "_engine", None)
    mode = getattr(getattr(engine, "context", None), "mode", None)
    return text(getattr(mode, "value", None))

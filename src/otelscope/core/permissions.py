"""Tool permission decisions and human approval: their records and attributes.

A framework decides, before a tool call runs, whether it may (allow), may
not (deny) or must wait for the user (ask). The decision is recorded on the
tool call's ``execute_tool`` span (``otelscope.permission.*``, otelscope's
extension: the conventions have none):

- allowed: on the span of the tool as it runs;
- denied: on a span of its own that ends failed with
  ``error.type=permission_denied``, the framework's message as description
  (the tool never runs; its tool duration point carries the same error);
- asked: on a span of its own that ends as it is asked (no tool duration
  point: the tool has not run). The reply that resumes with the user's
  answer records the answer, by ``user``, with the time from the ask to
  the answer, and links its ``invoke_agent`` span to the asking one.

Adapters read their framework's objects into ``PermissionRecord`` and call
these functions; the keys live in ``otelscope.core.conventions``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from opentelemetry.trace import SpanContext, SpanKind
from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.invocations import AgentCall, ToolOperation
from otelscope.core.operation import Operation
from otelscope.core.records import ToolInfo
from otelscope.core.telemetry import Telemetry


class PermissionRecord(NamedTuple):
    """One decision on one tool call."""

    # `allow`, `deny` or `ask` (conventions' PERMISSION_* values).
    decision: str
    # `policy` or `user`.
    decided_by: str
    # The seconds the tool call waited for the decision.
    wait_duration: float
    # What the framework said made it (a rule, a mode), if anything.
    reason: str | None = None
    # The permission mode in force when it was made.
    mode: str | None = None


def attributes(record: PermissionRecord) -> dict[str, AttributeValue]:
    """The span attributes of ``record`` (unknown values left out)."""
    values: dict[str, AttributeValue] = {
        conv.PERMISSION_DECISION: record.decision,
        conv.PERMISSION_DECIDED_BY: record.decided_by,
        conv.PERMISSION_WAIT_DURATION: record.wait_duration,
    }
    if record.reason is not None:
        values[conv.PERMISSION_REASON] = record.reason
    if record.mode is not None:
        values[conv.PERMISSION_MODE] = record.mode
    return values


def record_decision(operation: Operation, record: PermissionRecord) -> None:
    """Put ``record`` on the span of the tool call it allowed."""
    if operation.span.is_recording():
        operation.set_all(dict(attributes(record)))


def refused(operation: ToolOperation, record: PermissionRecord, message: str) -> None:
    """End the span of a tool call that was refused (``record.decision`` is
    deny): failed with ``permission_denied`` and ``message``."""
    record_decision(operation, record)
    operation.fail_as(conv.ERROR_TYPE_PERMISSION_DENIED, message)


def asked(telemetry: Telemetry, info: ToolInfo, record: PermissionRecord) -> Operation:
    """The span of a tool call whose permission the user was asked for:
    started and ended now, the tool not run (so no tool duration point)."""
    values: dict[str, AttributeValue | None] = {
        conv.OPERATION_NAME: conv.OP_EXECUTE_TOOL,
        conv.TOOL_NAME: info.name,
        conv.TOOL_TYPE: conv.TOOL_TYPE_FUNCTION,
        conv.TOOL_CALL_ID: info.call_id,
        conv.TOOL_DESCRIPTION: info.description,
    }
    values.update(attributes(record))
    return telemetry.start_part(f"{conv.OP_EXECUTE_TOOL} {info.name}", SpanKind.INTERNAL, values)


def link_resumed(call: AgentCall, suspended: Iterable[SpanContext]) -> None:
    """Link the ``invoke_agent`` span of ``call``, which resumes replies
    suspended for approval, to each suspended reply's span (once each)."""
    if not call.span.is_recording():
        return
    seen: set[tuple[int, int]] = set()
    for context in suspended:
        key = (context.trace_id, context.span_id)
        if key in seen or not context.is_valid:
            continue
        seen.add(key)
        call.span.add_link(context, {conv.LINK_RELATION: conv.LINK_RESUMES})

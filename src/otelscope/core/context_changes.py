"""Changes an agent makes to what its model sees, within a call: context
compression and a change of system prompt.

- A compression is a span, ``compress_context {agent}`` (kind INTERNAL,
  ``gen_ai.operation.name=compress_context``, otelscope's extension: the
  conventions name none), because it calls a model to summarize: that call
  runs, and nests, inside it. It carries the context's message counts before
  and after (``otelscope.context.messages_before`` / ``_after``).
- A change of system prompt is an event on the call's ``invoke_agent`` span,
  ``otelscope.system_prompt.changed``, with the SHA-256 (hex) of the new and
  the previous prompt: never the text. With content capture on spans, the
  new prompt is also recorded, through ``Telemetry.record_content`` (mode,
  length limit, redaction), as the span's ``gen_ai.system_instructions``.
  The hashes are computed only when the prompt changed.
"""

from __future__ import annotations

import hashlib

from opentelemetry.trace import SpanKind

from otelscope.core import conventions as conv
from otelscope.core.invocations import AgentCall
from otelscope.core.operation import Operation
from otelscope.core.telemetry import Telemetry


def start_compression(telemetry: Telemetry, agent_name: str, messages_before: int) -> Operation:
    """The span of a compression that is starting, over ``messages_before``
    messages of context (nothing under a dropped span)."""
    return telemetry.start_part(
        f"{conv.OP_COMPRESS_CONTEXT} {agent_name}",
        SpanKind.INTERNAL,
        {
            conv.OPERATION_NAME: conv.OP_COMPRESS_CONTEXT,
            conv.AGENT_NAME: agent_name,
            conv.CONTEXT_MESSAGES_BEFORE: messages_before,
        },
    )


def end_compression(operation: Operation, messages_after: int | None) -> None:
    """A compression that returned, leaving ``messages_after`` messages."""
    operation.set(conv.CONTEXT_MESSAGES_AFTER, messages_after)
    operation.stop()


def prompt_hash(prompt: str) -> str:
    """The recorded identity of a system prompt: its UTF-8 SHA-256, in hex."""
    return hashlib.sha256(prompt.encode("utf-8", "replace")).hexdigest()


def system_prompt_changed(
    telemetry: Telemetry, call: AgentCall, previous: str, current: str
) -> None:
    """Record that ``call``'s agent now runs with the system prompt
    ``current`` instead of ``previous``."""
    if not call.span.is_recording() or call.ended:
        return
    call.span.add_event(
        conv.EVENT_SYSTEM_PROMPT_CHANGED,
        {
            conv.SYSTEM_PROMPT_SHA256: prompt_hash(current),
            conv.SYSTEM_PROMPT_PREVIOUS_SHA256: prompt_hash(previous),
        },
    )
    if telemetry.wants_span_content(call):
        telemetry.record_content(
            call, {conv.SYSTEM_INSTRUCTIONS: [{"type": "text", "content": current}]}
        )

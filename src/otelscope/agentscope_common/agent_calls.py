"""Starting and ending an agent call, the same way on every entry point of
both lines: 1.x ``AgentBase.__call__``, the 2.x middleware's ``on_reply``,
and 2.x ``A2AAgent.reply`` / ``reply_stream``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from otelscope.agentscope_common.messages import to_messages
from otelscope.core import calls
from otelscope.core import conventions as conv
from otelscope.core.invocations import AgentCall
from otelscope.core.records import AgentInfo
from otelscope.core.telemetry import Telemetry


def begin_agent_call(
    telemetry: Telemetry,
    agent: Any,
    agent_info: Callable[[Any], AgentInfo],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    *,
    input_keyword: str,
) -> AgentCall | None:
    """The call with its span started, or None: an entry that the same
    agent's call already runs (a subclass calling ``super()``, one entry
    calling another) is the same call. The input (``args[0]``, else
    ``kwargs[input_keyword]``) is read only when content is captured."""
    if calls.directly_inside_own_call(agent):
        return None
    call = telemetry.start_agent_call(agent, agent_info(agent))
    # The switch first: no call at all when capture is off.
    if telemetry.capturing_on_spans and telemetry.wants_span_content(call):
        given = args[0] if args else kwargs.get(input_keyword)
        telemetry.record_content(call, {conv.INPUT_MESSAGES: to_messages(given)})
    return call


def record_reply(telemetry: Telemetry, call: AgentCall, reply: Any) -> None:
    """The reply as the call's output content, when capturing on spans."""
    if telemetry.capturing_on_spans and reply is not None and telemetry.wants_span_content(call):
        telemetry.record_content(call, {conv.OUTPUT_MESSAGES: to_messages(reply)})

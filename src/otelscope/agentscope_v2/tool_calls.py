"""`execute_tool` spans for AgentScope 2.x: ``Toolkit.call_tool``.

``call_tool`` is an async generator: the tool body runs while it is
iterated, with the span attached around each step, so work the tool starts
nests under it. The last item is the accumulated ``ToolResponse``, whose
state tells how the tool ended: ``interrupted`` is recorded as cancelled.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any

from otelscope.agentscope_common import messages as messages_shape
from otelscope.agentscope_v2 import readers
from otelscope.core.streams import traced_stream
from otelscope.core.telemetry import Telemetry, ToolInfo
from otelscope.core.tool_call import ToolOutcome, ToolStream, begin_tool
from otelscope.core.values import field

ToolCall = Callable[..., AsyncGenerator[Any, None]]


def traced_tool_call(telemetry: Telemetry) -> Callable[[ToolCall], ToolCall]:
    def wrap(original: ToolCall) -> ToolCall:
        # A plain function returning the traced generator: callers receive a
        # real async generator, and no extra generator layer is added.
        def call_tool(self: Any, tool_call: Any, *args: Any, **kwargs: Any) -> Any:
            operation = begin_tool(telemetry, _READER, self, tool_call)
            chunks = original(self, tool_call, *args, **kwargs)
            if operation is None:
                return chunks
            return traced_stream(chunks, operation, ToolStream(operation, _READER, telemetry))

        return call_tool

    return wrap


class _ToolReaderV2:
    def info(self, toolkit: Any, tool_call: Any) -> ToolInfo:
        return readers.tool_info(toolkit, tool_call)

    def outcome(self, item: Any) -> ToolOutcome | None:
        return readers.tool_outcome(item)

    def arguments(self, tool_call: Any) -> Any:
        return messages_shape.tool_arguments(field(tool_call, "input"))

    def result(self, item: Any) -> Any:
        return messages_shape.tool_output(getattr(item, "content", None))


_READER = _ToolReaderV2()

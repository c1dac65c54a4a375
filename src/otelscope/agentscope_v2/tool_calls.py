"""`execute_tool` spans for AgentScope 2.x: ``Toolkit.call_tool``.

``call_tool`` is an async generator: the tool body runs while it is
iterated, with the span attached around each step, so work the tool starts
nests under it. The last item is the accumulated ``ToolResponse``, whose
state tells how the tool ended: ``interrupted`` is recorded as cancelled.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any

from otelscope.agentscope_common.call_readers import AgentScopeToolReader
from otelscope.agentscope_v2 import readers
from otelscope.core.streams import traced_stream
from otelscope.core.telemetry import Telemetry
from otelscope.core.tool_call import ToolStream, begin_tool

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
            observer = ToolStream(operation, _READER, telemetry)
            return traced_stream(chunks, operation, observer, remote=operation)

        return call_tool

    return wrap


_READER = AgentScopeToolReader(readers.tool_facts, readers.tool_outcome)

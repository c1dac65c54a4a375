"""`execute_tool` spans for AgentScope 1.x: ``Toolkit.call_tool_function``.

``call_tool_function`` returns an async generator and the tool body runs
while it is iterated, so the span is attached around each step of that
generator: work the tool starts (an HTTP call, a sub-agent) nests under it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from otelscope.agentscope_common.records import ToolReader
from otelscope.agentscope_v1 import readers
from otelscope.agentscope_v1.native_tracing import native_tracing_off
from otelscope.core.guard import safely
from otelscope.core.streams import step_scope, traced_stream
from otelscope.core.telemetry import Telemetry
from otelscope.core.tool_call import ToolStream, begin_tool

ToolCall = Callable[..., Coroutine[Any, Any, Any]]


def traced_tool_call(telemetry: Telemetry) -> Callable[[ToolCall], ToolCall]:
    def wrap(original: ToolCall) -> ToolCall:
        async def call_tool_function(self: Any, tool_call: Any, *args: Any, **kwargs: Any) -> Any:
            operation = begin_tool(telemetry, _READER, self, tool_call)
            if operation is None:
                return await original(self, tool_call, *args, **kwargs)
            try:
                with step_scope(operation), native_tracing_off():
                    responses = await original(self, tool_call, *args, **kwargs)
            except BaseException as error:
                safely("ending a failed execute_tool span", operation.fail, error)
                raise
            observer = ToolStream(operation, _READER, telemetry)
            return traced_stream(responses, operation, observer)

        return call_tool_function

    return wrap


_READER = ToolReader(readers.tool_description, readers.tool_outcome)

"""`execute_tool` spans for AgentScope 2.x: ``Toolkit.call_tool``.

``call_tool`` is an async generator: the tool body runs while it is
iterated, with the span attached around each step, so work the tool starts
nests under it. The last item is the accumulated ``ToolResponse``, whose
state tells how the tool ended: ``interrupted`` is recorded as cancelled.
The span carries the permission decision that let the agent run it, when
the agent's check made one (``permissions``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any

from otelscope.agentscope_common.call_readers import AgentScopeToolReader
from otelscope.agentscope_v2 import permissions, readers
from otelscope.core.calls import current_call
from otelscope.core.guard import Arguments, guarded_stream
from otelscope.core.invocations import ToolOperation
from otelscope.core.streams import traced_stream
from otelscope.core.telemetry import Telemetry
from otelscope.core.tool_call import ToolStream, begin_tool

ToolCall = Callable[..., AsyncGenerator[Any, None]]


def traced_tool_call(telemetry: Telemetry) -> Callable[[ToolCall], ToolCall]:
    return guarded_stream(_ToolCallSteps(telemetry))


class _ToolCallSteps:
    what = "an execute_tool span"

    def __init__(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> ToolOperation | None:
        tool_call = args[1] if len(args) > 1 else kwargs.get("tool_call")
        operation = begin_tool(self._telemetry, _READER, args[0], tool_call)
        call = current_call()
        if call is not None:
            waiting = permissions.waiting_for(call.agent)
            if waiting is not None and waiting.decided:
                # The permission decision that let the agent run it.
                permissions.apply_decision(operation, call, tool_call)
        return operation

    def traced(
        self, operation: ToolOperation, chunks: AsyncGenerator[Any, None]
    ) -> AsyncGenerator[Any, None]:
        observer = ToolStream(operation, _READER, self._telemetry)
        return traced_stream(chunks, operation, observer, remote=operation)

    def failed(self, operation: ToolOperation, error: BaseException | None) -> None:
        if error is None:
            operation.cancel()
        else:
            operation.fail(error)


_READER = AgentScopeToolReader(readers.tool_facts, readers.tool_outcome)

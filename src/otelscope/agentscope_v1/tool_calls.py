"""`execute_tool` spans for AgentScope 1.x: ``Toolkit.call_tool_function``.

``call_tool_function`` returns an async generator and the tool body runs
while it is iterated, so the span is attached around each step of that
generator: work the tool starts (an HTTP call, a sub-agent) nests under it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from otelscope.agentscope_v1 import readers
from otelscope.agentscope_v1.native_tracing import native_tracing_off
from otelscope.core.guard import report_internal_error, suppressed
from otelscope.core.operation import Operation
from otelscope.core.streams import step_scope, traced_stream
from otelscope.core.telemetry import Telemetry

ToolCall = Callable[..., Coroutine[Any, Any, Any]]


def traced_tool_call(telemetry: Telemetry) -> Callable[[ToolCall], ToolCall]:
    def wrap(original: ToolCall) -> ToolCall:
        async def call_tool_function(self: Any, tool_call: Any, *args: Any, **kwargs: Any) -> Any:
            operation = _start(telemetry, self, tool_call)
            if operation is None:
                return await original(self, tool_call, *args, **kwargs)
            try:
                with step_scope(operation), native_tracing_off():
                    responses = await original(self, tool_call, *args, **kwargs)
            except BaseException as error:
                _end(operation.fail, error)
                raise
            try:
                return traced_stream(responses, operation, _ToolResponses(operation))
            except Exception:
                report_internal_error("tracing a tool response stream")
                _end(operation.stop)
                return responses

        return call_tool_function

    return wrap


def _start(telemetry: Telemetry, toolkit: Any, tool_call: Any) -> Operation | None:
    if suppressed():
        return None
    try:
        return telemetry.start_tool(readers.tool_info(toolkit, tool_call))
    except Exception:
        report_internal_error("starting an execute_tool span")
        return None


def _end(finish: Callable[..., None], *args: Any) -> None:
    try:
        finish(*args)
    except Exception:
        report_internal_error("ending an execute_tool span")


class _ToolResponses:
    """1.x tool chunks are cumulative; an interrupted chunk ends the call."""

    __slots__ = ("_interrupted", "_operation")

    def __init__(self, operation: Operation) -> None:
        self._operation = operation
        self._interrupted = False

    def item(self, item: Any) -> None:
        self._interrupted = readers.is_interrupted_tool_response(item)

    def finished(self) -> None:
        if self._interrupted:
            self._operation.cancel()
        else:
            self._operation.stop()

    def failed(self, error: BaseException) -> None:
        self._operation.fail(error)

    def closed(self) -> None:
        self._operation.cancel()

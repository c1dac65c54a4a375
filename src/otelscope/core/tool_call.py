"""Ending an ``execute_tool`` span with the tool's response stream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from otelscope.core import conventions as conv
from otelscope.core.guard import report_internal_error, suppressed
from otelscope.core.operation import Operation
from otelscope.core.telemetry import Telemetry, ToolInfo


class ToolReader(Protocol):
    """What a tool call means on one AgentScope line."""

    def info(self, toolkit: Any, tool_call: Any) -> ToolInfo: ...

    def outcome(self, item: Any) -> ToolOutcome | None:
        """How the call ended, from an item that says so (None: it does not)."""

    def arguments(self, tool_call: Any) -> Any:
        """The call's arguments (only asked when capturing content)."""

    def result(self, item: Any) -> Any:
        """The result in the last item (only asked when capturing content)."""


def begin_tool(
    telemetry: Telemetry, reader: ToolReader, toolkit: Any, tool_call: Any
) -> Operation | None:
    """Start an ``execute_tool`` span, or None (suppressed, or reading failed:
    then the tool runs untraced)."""
    if suppressed():
        return None
    try:
        operation = telemetry.start_tool(reader.info(toolkit, tool_call))
        if telemetry.capturing_on_spans:
            arguments = reader.arguments(tool_call)
            telemetry.record_content(operation, {conv.TOOL_CALL_ARGUMENTS: arguments})
        return operation
    except Exception:
        report_internal_error("starting an execute_tool span")
        return None


@dataclass(frozen=True)
class ToolOutcome:
    """How a tool call ended, as its final response reports it."""

    interrupted: bool = False
    # The framework's message when it turned the tool's failure into a result.
    error: str | None = None


class ToolStream:
    """Observes the items a tool call yields: how it ended, and its result."""

    __slots__ = ("_last", "_operation", "_outcome", "_reader", "_telemetry")

    def __init__(self, operation: Operation, reader: ToolReader, telemetry: Telemetry) -> None:
        self._operation = operation
        self._reader = reader
        self._telemetry = telemetry
        self._outcome = ToolOutcome()
        self._last: Any = None

    def item(self, item: Any) -> None:
        self._last = item
        outcome = self._reader.outcome(item)
        if outcome is not None:
            self._outcome = outcome

    def finished(self) -> None:
        if self._telemetry.capturing_on_spans and self._last is not None:
            result = self._reader.result(self._last)
            self._telemetry.record_content(self._operation, {conv.TOOL_CALL_RESULT: result})
        if self._outcome.interrupted:
            self._operation.cancel()
        elif self._outcome.error is not None:
            self._operation.fail_as(conv.ERROR_TYPE_TOOL_ERROR, self._outcome.error)
        else:
            self._operation.stop()

    def failed(self, error: BaseException) -> None:
        self._operation.fail(error)

    def closed(self) -> None:
        self._operation.cancel()

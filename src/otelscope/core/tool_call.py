"""Ending an ``execute_tool`` span with the tool's response stream."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from otelscope.core import conventions as conv
from otelscope.core.guard import report_internal_error, suppressed
from otelscope.core.operation import Operation
from otelscope.core.telemetry import Telemetry, ToolInfo


def begin_tool(telemetry: Telemetry, read_info: Callable[[], ToolInfo]) -> Operation | None:
    """Start an ``execute_tool`` span, or None (suppressed, or reading failed:
    then the tool runs untraced)."""
    if suppressed():
        return None
    try:
        return telemetry.start_tool(read_info())
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
    """Observes the items a tool call yields; ``outcome_of(item)`` reads how
    the call ended from an item that says so (None: this item does not)."""

    __slots__ = ("_operation", "_outcome", "_outcome_of")

    def __init__(
        self, operation: Operation, outcome_of: Callable[[Any], ToolOutcome | None]
    ) -> None:
        self._operation = operation
        self._outcome_of = outcome_of
        self._outcome = ToolOutcome()

    def item(self, item: Any) -> None:
        outcome = self._outcome_of(item)
        if outcome is not None:
            self._outcome = outcome

    def finished(self) -> None:
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

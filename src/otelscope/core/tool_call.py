"""Ending an ``execute_tool`` span with the tool's response stream."""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from otelscope.core import conventions as conv
from otelscope.core.invocations import ToolOperation
from otelscope.core.records import ToolInfo
from otelscope.core.telemetry import Telemetry


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
) -> ToolOperation:
    """Start an ``execute_tool`` span, with the call's arguments when capturing."""
    operation = telemetry.start_tool(reader.info(toolkit, tool_call))
    # The switch first: no call at all when capture is off.
    if telemetry.capturing_on_spans and telemetry.wants_span_content(operation):
        arguments = reader.arguments(tool_call)
        telemetry.record_content(operation, {conv.TOOL_CALL_ARGUMENTS: arguments})
    return operation


class ToolOutcome(NamedTuple):
    """How a tool call ended, as its final response reports it."""

    interrupted: bool = False
    # The framework's message when it turned the tool's failure into a result.
    error: str | None = None
    # The item is the call's completed result: a consumer that closes the
    # stream after it (2.x ``RealtimeAgent`` does) ends a call that finished.
    final: bool = False


class ToolFailures(Protocol):
    """Where a line learns of a failure that no item of the tool's stream
    shows (AgentScope 1.x catches a tool's exception and answers instead)."""

    def failure(self) -> BaseException | tuple[str, str] | None:
        """The exception the tool raised, or the ``(error.type, description)``
        of the framework's refusal to run it, or None."""


class ToolStream:
    """Observes the items a tool call yields: how it ended, and its result."""

    __slots__ = ("_failures", "_last", "_operation", "_outcome", "_reader", "_telemetry")

    def __init__(
        self,
        operation: ToolOperation,
        reader: ToolReader,
        telemetry: Telemetry,
        failures: ToolFailures | None = None,
    ) -> None:
        self._operation = operation
        self._reader = reader
        self._telemetry = telemetry
        self._failures = failures
        self._outcome = ToolOutcome()
        self._last: Any = None

    def item(self, item: Any) -> None:
        self._last = item
        outcome = self._reader.outcome(item)
        if outcome is not None:
            self._outcome = outcome
        if self._outcome.interrupted:
            # An interrupted response is the call's last: AgentScope 1.x raises
            # right after it without closing the stream, whose span would
            # otherwise end only when the stream is collected.
            self.finished()

    def finished(self) -> None:
        if self._operation.ended:
            return
        telemetry = self._telemetry
        if (
            telemetry.capturing_on_spans
            and self._last is not None
            and telemetry.wants_span_content(self._operation)
        ):
            result = self._reader.result(self._last)
            self._telemetry.record_content(self._operation, {conv.TOOL_CALL_RESULT: result})
        failure = self._failures.failure() if self._failures is not None else None
        if self._outcome.interrupted:
            self._operation.cancel()
        elif isinstance(failure, BaseException):
            self._operation.fail(failure)
        elif failure is not None:
            self._operation.fail_as(*failure)
        elif self._outcome.error is not None:
            self._operation.fail_as(conv.ERROR_TYPE_TOOL_ERROR, self._outcome.error)
        else:
            self._operation.stop()

    def failed(self, error: BaseException) -> None:
        self._operation.fail(error)

    def closed(self) -> None:
        if self._outcome.final:
            self.finished()
        else:
            self._operation.cancel()

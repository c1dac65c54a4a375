"""Ending an ``execute_tool`` span with the tool's response stream."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, NamedTuple, Protocol

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


class ToolOutcome(NamedTuple):
    """How a tool call ended, as its final response reports it."""

    interrupted: bool = False
    # The framework's message when it turned the tool's failure into a result.
    error: str | None = None


class AbsorbedFailure:
    """A tool's exception that the framework caught and turned into a result,
    or the framework's refusal to run the tool at all."""

    __slots__ = ("error", "ran", "refusal")

    def __init__(self) -> None:
        self.error: BaseException | None = None
        self.ran = False
        # (error.type, description) expected when the framework will not run
        # the tool; it counts only if the tool indeed did not run.
        self.refusal: tuple[str, str] | None = None


_absorbing: ContextVar[AbsorbedFailure | None] = ContextVar(
    "otelscope_absorbed_tool_failure", default=None
)


class absorbing_into:
    """Collect into ``failure`` what watched tool functions raise while the
    framework runs them in this context (it catches the exception, so the
    span would not see it). Entered around each step of one tool call."""

    __slots__ = ("_failure", "_token")

    def __init__(self, failure: AbsorbedFailure) -> None:
        self._failure = failure

    def __enter__(self) -> None:
        self._token = _absorbing.set(self._failure)

    def __exit__(self, *exc_info: object) -> None:
        _absorbing.reset(self._token)


def _note_run() -> None:
    failure = _absorbing.get()
    if failure is not None:
        failure.ran = True


def _note(error: Exception) -> None:
    failure = _absorbing.get()
    # A tool that calls itself raises through the watcher more than once;
    # the first exception is where the failure began.
    if failure is not None and failure.error is None:
        failure.error = error


# Where a watcher keeps the function it watches.
WATCHED_ATTRIBUTE = "__otelscope_watched__"


def watch_failures(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` unchanged, except that an exception it raises is noted
    for the enclosing ``absorbed_failures`` before it propagates. Coroutine
    functions stay coroutine functions, so a framework that inspects the
    function still takes the same path."""
    if inspect.iscoroutinefunction(function):

        @functools.wraps(function)
        async def watched_coroutine(*args: Any, **kwargs: Any) -> Any:
            _note_run()
            try:
                return await function(*args, **kwargs)
            except Exception as error:
                _note(error)
                raise

        watched: Callable[..., Any] = watched_coroutine
    else:

        @functools.wraps(function)
        def watched_function(*args: Any, **kwargs: Any) -> Any:
            _note_run()
            try:
                return function(*args, **kwargs)
            except Exception as error:
                _note(error)
                raise

        watched = watched_function
    setattr(watched, WATCHED_ATTRIBUTE, function)
    return watched


def unwatched(function: Callable[..., Any]) -> Callable[..., Any] | None:
    """The function ``watch_failures`` wrapped, or None if it is not a watcher."""
    original = getattr(function, WATCHED_ATTRIBUTE, None)
    return original if callable(original) else None


class ToolStream:
    """Observes the items a tool call yields: how it ended, and its result."""

    __slots__ = ("_absorbed", "_last", "_operation", "_outcome", "_reader", "_telemetry")

    def __init__(
        self,
        operation: Operation,
        reader: ToolReader,
        telemetry: Telemetry,
        absorbed: AbsorbedFailure | None = None,
    ) -> None:
        self._operation = operation
        self._reader = reader
        self._telemetry = telemetry
        self._absorbed = absorbed
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
        if self._telemetry.capturing_on_spans and self._last is not None:
            result = self._reader.result(self._last)
            self._telemetry.record_content(self._operation, {conv.TOOL_CALL_RESULT: result})
        absorbed = self._absorbed
        if self._outcome.interrupted:
            self._operation.cancel()
        elif absorbed is not None and absorbed.error is not None:
            self._operation.fail(absorbed.error)
        elif absorbed is not None and absorbed.refusal is not None and not absorbed.ran:
            self._operation.fail_as(*absorbed.refusal)
        elif self._outcome.error is not None:
            self._operation.fail_as(conv.ERROR_TYPE_TOOL_ERROR, self._outcome.error)
        else:
            self._operation.stop()

    def failed(self, error: BaseException) -> None:
        self._operation.fail(error)

    def closed(self) -> None:
        self._operation.cancel()

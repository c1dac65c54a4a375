"""Tool failures that AgentScope 1.x absorbs.

1.x catches an exception raised by a tool function (or coroutine function)
and answers with an ``Error: ...`` text instead, so on the span a failed tool
would look like a success. Each registered function a traced call reaches is
wrapped once with ``watch_failures``, which notes the exception for the tool
call running in this context (``absorbing_into``) and lets it propagate to
AgentScope unchanged.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any


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

    def failure(self) -> BaseException | tuple[str, str] | None:
        """What the tool call's span ends with (``core.tool_call.ToolFailures``):
        the tool's exception, else a refusal if the tool indeed did not run."""
        if self.error is not None:
            return self.error
        return self.refusal if not self.ran else None


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
    for the tool call running here (``absorbing_into``) before it propagates. Coroutine
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

"""Keeping otelscope's own failures out of the user's program.

Every wrapper follows four steps:

1. skip: if instrumentation is suppressed, call the original and return;
2. prepare: build telemetry inside ``try``; on failure report it and call the
   original untouched;
3. call: run the user's function exactly once, re-raising its exception
   unchanged;
4. finish: end telemetry inside a separate ``try`` that only reports.

``report_internal_error`` logs in production. In strict mode (switched on by
the test suite, or by ``OTELSCOPE_STRICT=1``) it also records the error so the
suite fails, because a bug hidden behind "never break the app" is still a bug.
Strict mode never re-raises into the user's call: an error raised from an
async generator's finalizer or from a finished call would be lost or would
change the result, so the record is the reliable channel.

The steps are written once, here: ``guarded_coroutine`` for a coroutine
function and ``guarded_stream`` for a function that returns an async
generator. An entry point supplies only its own part (``CoroutineSteps`` or
``StreamSteps``): how its invocation begins, what context its call runs in,
and how the invocation ends.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import AsyncGenerator, Callable, Coroutine, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY, get_current
from opentelemetry.instrumentation.utils import _SUPPRESS_INSTRUMENTATION_KEY_PLAIN

logger = logging.getLogger("otelscope")

_strict = os.environ.get("OTELSCOPE_STRICT", "").lower() in {"1", "true", "yes"}
_recorded: list[BaseException] = []


def set_strict(enabled: bool) -> None:
    """Switch strict mode; tests switch it on for the whole session."""
    global _strict  # noqa: PLW0603 - one process-wide switch, read on error paths only
    _strict = enabled


def take_internal_errors() -> list[BaseException]:
    """Return and forget the internal errors recorded in strict mode."""
    errors = list(_recorded)
    _recorded.clear()
    return errors


def report_internal_error(what: str) -> None:
    """Report the exception being handled as an otelscope bug; never raises."""
    logger.exception("otelscope: internal error while %s", what)
    if _strict:
        error = sys.exc_info()[1]
        if error is not None:
            _recorded.append(error)


def report_problem(message: str) -> None:
    """Report a problem that is not an exception (a broken invariant)."""
    logger.warning("otelscope: %s", message)
    if _strict:
        _recorded.append(RuntimeError(message))


def safely(what: str, action: Callable[..., None], *args: Any) -> None:
    """Run a telemetry ``action``; report instead of raising if it fails."""
    try:
        action(*args)
    except Exception:
        report_internal_error(what)


def suppressed() -> bool:
    """True when the caller asked OpenTelemetry not to instrument this call.

    The same test as ``opentelemetry.instrumentation.utils.
    is_instrumentation_enabled`` (either suppression key set), reading the
    current context once: every traced operation asks it first."""
    current = get_current()
    return bool(
        current.get(_SUPPRESS_INSTRUMENTATION_KEY)
        or current.get(_SUPPRESS_INSTRUMENTATION_KEY_PLAIN)
    )


InvocationT = TypeVar("InvocationT")
CoroutineFunction = Callable[..., Coroutine[Any, Any, Any]]
StreamFunction = Callable[..., AsyncGenerator[Any, None]]
Arguments = tuple[Any, ...]


class CoroutineSteps(Protocol[InvocationT]):
    """An entry point's own part of the guarded steps, for a coroutine."""

    # What the invocation is, for reports ("an invoke_agent span").
    what: str

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> InvocationT | None:
        """Start the invocation, or None to run the call untraced."""

    def scope(self, invocation: InvocationT, args: Arguments) -> AbstractContextManager[object]:
        """The context the user's function runs in (its span current)."""

    def returned(self, invocation: InvocationT, result: Any) -> Any:
        """End the invocation with ``result``; return what the caller gets:
        ``result`` itself, or a traced stream of it."""

    def failed(self, invocation: InvocationT, error: BaseException) -> None:
        """End the invocation with the exception the user's function raised."""


class StreamSteps(Protocol[InvocationT]):
    """An entry point's own part of the guarded steps, for a function that
    returns an async generator (whose steps are the user's code)."""

    what: str

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> InvocationT | None:
        """Start the invocation, or None to run the call untraced."""

    def traced(
        self, invocation: InvocationT, source: AsyncGenerator[Any, None]
    ) -> AsyncGenerator[Any, None]:
        """The stream the caller gets: ``source`` traced, ending the invocation."""

    def failed(self, invocation: InvocationT, error: BaseException | None) -> None:
        """End the invocation: the function raised ``error`` instead of
        returning a stream, or (None) its stream could not be traced."""


def guarded_coroutine(
    steps: CoroutineSteps[InvocationT],
) -> Callable[[CoroutineFunction], CoroutineFunction]:
    """Wrap a coroutine function in the four steps, with ``steps`` for the
    entry point's own part."""
    what = steps.what
    begin, scope, returned, failed = steps.begin, steps.scope, steps.returned, steps.failed

    def wrap(original: CoroutineFunction) -> CoroutineFunction:
        async def traced(*args: Any, **kwargs: Any) -> Any:
            if suppressed():
                return await original(*args, **kwargs)
            invocation = scope_entered = None
            try:
                invocation = begin(args, kwargs)
                if invocation is not None:
                    scope_entered = scope(invocation, args)
                    scope_entered.__enter__()
            except Exception:
                # A scope that failed to enter is left out: the call still
                # runs, and its invocation still ends with its real outcome.
                report_internal_error(f"starting {what}")
                scope_entered = None
            if invocation is None:
                return await original(*args, **kwargs)
            try:
                result = await original(*args, **kwargs)
            except BaseException as error:
                _leave(scope_entered, what)
                try:
                    failed(invocation, error)
                except Exception:
                    report_internal_error(f"ending {what}")
                raise
            if scope_entered is not None:
                # `_leave` written out: this is every traced call's way back.
                try:
                    scope_entered.__exit__(None, None, None)
                except Exception:
                    report_internal_error(f"leaving the context of {what}")
            try:
                return returned(invocation, result)
            except Exception:
                report_internal_error(f"ending {what}")
                return result

        return traced

    return wrap


def _leave(scope: AbstractContextManager[object] | None, what: str) -> None:
    if scope is None:
        return
    try:
        scope.__exit__(None, None, None)
    except Exception:
        report_internal_error(f"leaving the context of {what}")


def guarded_stream(
    steps: StreamSteps[InvocationT],
) -> Callable[[StreamFunction], StreamFunction]:
    """Wrap a function that returns an async generator in the four steps.
    The wrapper is a plain function returning a real async generator (the
    traced one, or the original's): nothing of the user's code runs before
    the caller takes the first step."""
    what = steps.what
    begin, traced_stream, failed = steps.begin, steps.traced, steps.failed

    def wrap(original: StreamFunction) -> StreamFunction:
        def traced(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
            if suppressed():
                return original(*args, **kwargs)
            try:
                invocation = begin(args, kwargs)
            except Exception:
                report_internal_error(f"starting {what}")
                invocation = None
            if invocation is None:
                return original(*args, **kwargs)
            try:
                source = original(*args, **kwargs)
            except BaseException as error:
                safely(f"ending {what}", failed, invocation, error)
                raise
            try:
                return traced_stream(invocation, source)
            except Exception:
                report_internal_error(f"tracing the stream of {what}")
                safely(f"ending {what}", failed, invocation, None)
                return source

        return traced

    return wrap

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
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any

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

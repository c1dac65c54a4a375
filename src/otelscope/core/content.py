"""Message content on spans and events: off unless switched on.

``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` (or ``instrument(
capture_content=...)``) chooses where content goes: ``NO_CONTENT`` (the
default), ``SPAN_ONLY``, ``EVENT_ONLY`` or ``SPAN_AND_EVENT``. When it is off,
adapters ask ``ContentPolicy.enabled`` first and build nothing: no message is
even serialized.

Every value passes through ``ContentPolicy.render``: serialized to JSON
whatever it holds (objects JSON cannot represent become their type name,
cycles become a marker, invalid Unicode is replaced), then given to the
user's redaction callable, then cut to the maximum length with a marker. A
redaction callable that fails drops the value: content it was meant to clean
is never recorded uncleaned.
"""

from __future__ import annotations

import enum
import json
import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from otelscope.core.guard import report_internal_error

logger = logging.getLogger("otelscope")

CAPTURE_ENV: Final = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
MAX_LENGTH_ENV: Final = "OTELSCOPE_CONTENT_MAX_LENGTH"
DEFAULT_MAX_LENGTH: Final = 16384
TRUNCATION_MARKER: Final = "...[truncated {count} characters]"

Redactor = Callable[[str, str], str]
"""``redact(attribute_key, serialized_value) -> value to record``."""


class CaptureMode(enum.Enum):
    NO_CONTENT = "NO_CONTENT"
    SPAN_ONLY = "SPAN_ONLY"
    EVENT_ONLY = "EVENT_ONLY"
    SPAN_AND_EVENT = "SPAN_AND_EVENT"


@dataclass(frozen=True)
class ContentPolicy:
    mode: CaptureMode = CaptureMode.NO_CONTENT
    max_length: int = DEFAULT_MAX_LENGTH
    redact: Redactor | None = None

    @property
    def enabled(self) -> bool:
        return self.mode is not CaptureMode.NO_CONTENT

    @property
    def on_spans(self) -> bool:
        return self.mode in (CaptureMode.SPAN_ONLY, CaptureMode.SPAN_AND_EVENT)

    @property
    def on_events(self) -> bool:
        return self.mode in (CaptureMode.EVENT_ONLY, CaptureMode.SPAN_AND_EVENT)

    def render(self, key: str, value: Any) -> str | None:
        """The recorded form of ``value`` for attribute ``key``, or None to drop it."""
        text = value if isinstance(value, str) else to_json(value)
        text = _valid_unicode(text)
        if self.redact is not None:
            try:
                redacted = self.redact(key, text)
            except Exception:
                report_internal_error(f"redacting {key}")
                return None
            if not isinstance(redacted, str):
                return None
            text = redacted
        return truncate(text, self.max_length)


def content_policy(
    capture: str | CaptureMode | None = None,
    max_length: int | None = None,
    redact: Redactor | None = None,
) -> ContentPolicy:
    """The policy from ``instrument(...)`` arguments, else the environment."""
    if capture is None:
        mode = _mode(os.environ.get(CAPTURE_ENV), CAPTURE_ENV)
    elif isinstance(capture, CaptureMode | str):
        mode = _mode(capture, "capture_content")
    else:
        raise TypeError(
            "capture_content must be a CaptureMode or one of "
            + ", ".join(mode.value for mode in CaptureMode)
        )
    if max_length is None:
        max_length = _max_length(os.environ.get(MAX_LENGTH_ENV))
    elif isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        raise ValueError("max_content_length must be a positive whole number of characters")
    if redact is not None and not callable(redact):
        raise TypeError("redact must be a callable (attribute key, value) -> value")
    return ContentPolicy(mode, max_length, redact)


def to_json(value: Any) -> str:
    """Strict JSON for any value; never raises."""
    try:
        return _dumps(value)
    except ValueError as error:
        if _is_circular(error):
            return _CIRCULAR
        try:  # NaN or infinity, which strict JSON has no number for
            return _dumps(_finite(value, ()))
        except Exception as retry_error:
            if _is_circular(retry_error):
                return _CIRCULAR
            return json.dumps(f"<unserializable {type(value).__name__}>")
    except Exception:
        return json.dumps(f"<unserializable {type(value).__name__}>")


_CIRCULAR: Final = json.dumps("<unserializable: circular reference>")


def _is_circular(error: Exception) -> bool:
    return isinstance(error, ValueError) and "ircular" in str(error)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, default=_type_name)


def _finite(value: Any, path: tuple[int, ...]) -> Any:
    """``value`` with non-finite floats as strings ("NaN", "Infinity", "-Infinity").

    ``path`` holds the ids of the containers above ``value``: a container met
    again is a cycle, reported as JSON's own encoder does, rather than walked
    around until the depth limit (a cycle with two back references would take
    2**depth steps)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if len(path) > _MAX_DEPTH or not isinstance(value, dict | list | tuple):
        return value
    if id(value) in path:
        raise ValueError("Circular reference detected")
    inner = (*path, id(value))
    if isinstance(value, dict):
        return {key: _finite(item, inner) for key, item in value.items()}
    return [_finite(item, inner) for item in value]


_MAX_DEPTH = 100


def truncate(text: str, max_length: int) -> str:
    if len(text) <= max_length:
        return text
    return text[:max_length] + TRUNCATION_MARKER.format(count=len(text) - max_length)


def _type_name(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    return f"<{type(value).__name__}>"


def _valid_unicode(text: str) -> str:
    # Lone surrogates cannot be encoded by exporters; replace them.
    return text.encode("utf-8", "replace").decode("utf-8")


def _mode(value: str | CaptureMode | None, source: str) -> CaptureMode:
    if isinstance(value, CaptureMode):
        return value
    if not value:
        return CaptureMode.NO_CONTENT
    try:
        return CaptureMode(value.strip().upper())
    except ValueError:
        logger.warning(
            "otelscope: %s=%r is not one of %s; message content stays off",
            source,
            value,
            ", ".join(mode.value for mode in CaptureMode),
        )
        return CaptureMode.NO_CONTENT


def _max_length(value: str | None) -> int:
    if not value:
        return DEFAULT_MAX_LENGTH
    try:
        length = int(value)
    except ValueError:
        length = 0
    if length < 1:
        logger.warning(
            "otelscope: %s=%r is not a positive whole number; using %d",
            MAX_LENGTH_ENV,
            value,
            DEFAULT_MAX_LENGTH,
        )
        return DEFAULT_MAX_LENGTH
    return length

"""One finished span as the local store keeps it, independent of the SDK.

The store writes OTLP JSON (the Collector's file-exporter format) and reads it
back into these records; the terminal tree and the HTML waterfall read only
records, so they work on files written by any OTLP producer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AttributeValue = str | bool | int | float | list[Any] | dict[str, Any] | None


@dataclass(frozen=True)
class EventRecord:
    name: str
    time_unix_nano: int
    attributes: dict[str, AttributeValue] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkRecord:
    """A link from a span to another span, possibly in another trace."""

    trace_id: str
    span_id: str
    attributes: dict[str, AttributeValue] = field(default_factory=dict)


@dataclass(frozen=True)
class SpanRecord:
    """A span with the fields a viewer needs; ids are lowercase hex."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    # OTLP SpanKind names without prefix: INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER,
    # or UNSPECIFIED when the producer left the kind out (OTLP kind 0).
    kind: str
    start_unix_nano: int
    end_unix_nano: int
    # OTLP status names without prefix: UNSET, OK, ERROR.
    status_code: str = "UNSET"
    status_message: str = ""
    attributes: dict[str, AttributeValue] = field(default_factory=dict)
    events: tuple[EventRecord, ...] = ()
    resource: dict[str, AttributeValue] = field(default_factory=dict)
    scope_name: str = ""
    scope_version: str = ""
    links: tuple[LinkRecord, ...] = ()

    @property
    def duration_nano(self) -> int:
        return max(0, self.end_unix_nano - self.start_unix_nano)

    @property
    def is_error(self) -> bool:
        return self.status_code == "ERROR"

"""Spans as OTLP/JSON: one ``ExportTraceServiceRequest`` object per line.

This is the format the OpenTelemetry Collector's file exporter writes and its
``otlpjsonfile`` receiver reads, so a store file can be fed to a real pipeline
unchanged. OTLP/JSON differs from protobuf's generic JSON mapping where it
matters here:

- keys are lowerCamelCase (``traceId``, ``startTimeUnixNano``);
- trace and span ids are lowercase hex, not base64;
- 64-bit integers (times, ``intValue``) are decimal strings;
- enums (span kind, status code) are integers;
- attribute values are ``AnyValue`` objects (``stringValue``, ``intValue``, ...).

Encoding leaves out what protobuf's JSON mapping leaves out: empty strings,
zero counts and empty lists (so ``droppedAttributesCount`` appears only when
the SDK dropped something). Kind, times and status code are always written so
a line reads on its own. ``otlp_json_decode`` reads lines back.
"""

from __future__ import annotations

import base64
import json
import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, Status

JsonObject = dict[str, Any]

# OTLP enum values, indexed by their number; the SDK's SpanKind starts at
# INTERNAL = 0 where OTLP keeps 0 for "unspecified", hence the offset of one.
SPAN_KIND_NAMES = ("UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER")
STATUS_CODE_NAMES = ("UNSET", "OK", "ERROR")

# SpanFlags bits, as the SDK's protobuf exporter sets them.
_FLAG_HAS_IS_REMOTE = 0x100
_FLAG_IS_REMOTE = 0x200

TRACE_ID_BYTES = 16
SPAN_ID_BYTES = 8


def encode_line(spans: Sequence[ReadableSpan]) -> bytes:
    """One compact JSON line (ending in a newline) holding all of ``spans``."""
    text = json.dumps(encode_request(spans), separators=(",", ":"), ensure_ascii=False)
    # A lone surrogate cannot be UTF-8; written as a JSON escape it reads back
    # as the same string instead of failing the whole batch.
    return text.encode("utf-8", errors="backslashreplace") + b"\n"


def encode_request(spans: Sequence[ReadableSpan]) -> JsonObject:
    """An ``ExportTraceServiceRequest``, spans grouped by resource, then scope."""
    groups: defaultdict[Resource, defaultdict[InstrumentationScope | None, list[JsonObject]]]
    groups = defaultdict(lambda: defaultdict(list))
    for span in spans:
        groups[span.resource][span.instrumentation_scope].append(_encode_span(span))
    return {
        "resourceSpans": [
            _encode_resource_spans(resource, scopes) for resource, scopes in groups.items()
        ]
    }


def _encode_resource_spans(
    resource: Resource, scopes: Mapping[InstrumentationScope | None, list[JsonObject]]
) -> JsonObject:
    encoded: JsonObject = {
        "resource": _without_empty({"attributes": encode_attributes(resource.attributes)}),
        "scopeSpans": [_encode_scope_spans(scope, spans) for scope, spans in scopes.items()],
    }
    return _without_empty({**encoded, "schemaUrl": resource.schema_url})


def _encode_scope_spans(scope: InstrumentationScope | None, spans: list[JsonObject]) -> JsonObject:
    if scope is None:
        return {"scope": {}, "spans": spans}
    encoded_scope = {
        "name": scope.name,
        "version": scope.version or "",
        "attributes": encode_attributes(scope.attributes),
    }
    return _without_empty(
        {"scope": _without_empty(encoded_scope), "spans": spans, "schemaUrl": scope.schema_url}
    )


def _encode_span(span: ReadableSpan) -> JsonObject:
    context = span.get_span_context()
    if context is None:
        raise ValueError(f"span {span.name!r} has no span context")
    encoded: JsonObject = {
        "traceId": _hex_id(context.trace_id, TRACE_ID_BYTES),
        "spanId": _hex_id(context.span_id, SPAN_ID_BYTES),
        "traceState": _encode_trace_state(context),
        "parentSpanId": _hex_id(span.parent.span_id, SPAN_ID_BYTES) if span.parent else "",
        "flags": _span_flags(span.parent),
        "name": span.name,
        "kind": span.kind.value + 1,
        "startTimeUnixNano": str(span.start_time or 0),
        "endTimeUnixNano": str(span.end_time or 0),
        "attributes": encode_attributes(span.attributes),
        "droppedAttributesCount": span.dropped_attributes,
        "events": [_encode_event(event) for event in span.events],
        "droppedEventsCount": span.dropped_events,
        "links": [_encode_link(link) for link in span.links],
        "droppedLinksCount": span.dropped_links,
    }
    return {**_without_empty(encoded), "status": _encode_status(span.status)}


def _encode_event(event: Event) -> JsonObject:
    encoded: JsonObject = {
        "timeUnixNano": str(event.timestamp),
        "name": event.name,
        "attributes": encode_attributes(event.attributes),
        "droppedAttributesCount": event.dropped_attributes,
    }
    return _without_empty(encoded)


def _encode_link(link: Link) -> JsonObject:
    encoded: JsonObject = {
        "traceId": _hex_id(link.context.trace_id, TRACE_ID_BYTES),
        "spanId": _hex_id(link.context.span_id, SPAN_ID_BYTES),
        "traceState": _encode_trace_state(link.context),
        "attributes": encode_attributes(link.attributes),
        "droppedAttributesCount": link.dropped_attributes,
        "flags": _span_flags(link.context),
    }
    return _without_empty(encoded)


def _encode_status(status: Status) -> JsonObject:
    encoded: JsonObject = {"code": status.status_code.value}
    if status.description:
        encoded["message"] = status.description
    return encoded


def _encode_trace_state(context: SpanContext) -> str:
    return ",".join(f"{key}={value}" for key, value in context.trace_state.items())


def _span_flags(context: SpanContext | None) -> int:
    if context is not None and context.is_remote:
        return _FLAG_HAS_IS_REMOTE | _FLAG_IS_REMOTE
    return _FLAG_HAS_IS_REMOTE


def _hex_id(value: int, size: int) -> str:
    return f"{value:0{size * 2}x}"


def _without_empty(fields: JsonObject) -> JsonObject:
    """Drop default values, as proto3's JSON mapping does (no booleans here)."""
    return {key: value for key, value in fields.items() if value not in ("", 0, [], {}, None)}


def encode_attributes(attributes: Mapping[str, object] | None) -> list[JsonObject]:
    """OTLP ``KeyValue`` list, in the attributes' own order."""
    if not attributes:
        return []
    return [{"key": key, "value": encode_any_value(value)} for key, value in attributes.items()]


def encode_any_value(value: object) -> JsonObject:
    """One OTLP ``AnyValue``; anything the SDK would not hold becomes its text."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {"kvlistValue": _without_empty({"values": encode_attributes(value)})}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        values = [encode_any_value(item) for item in value]
        return {"arrayValue": _without_empty({"values": values})}
    for scalar_type, encode in _SCALAR_ENCODERS:
        if isinstance(value, scalar_type):
            return encode(value)
    return {"stringValue": str(value)}


def _encode_double(value: float) -> float | str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


# `bool` comes before `int`: it is one.
_SCALAR_ENCODERS: tuple[tuple[type, Callable[[Any], JsonObject]], ...] = (
    (bool, lambda value: {"boolValue": value}),
    (str, lambda value: {"stringValue": value}),
    (int, lambda value: {"intValue": str(value)}),
    (float, lambda value: {"doubleValue": _encode_double(value)}),
    (bytes, lambda value: {"bytesValue": base64.b64encode(value).decode("ascii")}),
)

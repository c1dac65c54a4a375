"""Reading OTLP/JSON trace requests (see ``otlp_json``) back into records.

Lenient where producers legitimately differ: ``intValue`` and times as
numbers or strings, enums as numbers or names (``SPAN_KIND_CLIENT``), ids in
hex or base64 (protobuf's generic JSON mapping), snake_case keys (which
protobuf's JSON parsers accept). Strict where a span would be meaningless: a
span without ids, or a value of the wrong JSON type, fails the whole request
with ``OtlpDecodeError`` naming what was wrong.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
from collections.abc import Callable
from typing import Any

from otelscope.store.otlp_json import (
    SPAN_ID_BYTES,
    SPAN_KIND_NAMES,
    STATUS_CODE_NAMES,
    TRACE_ID_BYTES,
    JsonObject,
)
from otelscope.store.records import AttributeValue, EventRecord, LinkRecord, SpanRecord

_SPAN_KIND_PREFIX = "SPAN_KIND_"
_STATUS_CODE_PREFIX = "STATUS_CODE_"
# proto3 JSON spells the non-finite doubles as strings.
_NON_FINITE_NAMES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class OtlpDecodeError(ValueError):
    """A JSON value that is not a well-formed OTLP trace request."""


def decode_line(line: str) -> list[SpanRecord]:
    """The spans of one JSON line; ``ValueError`` if it is not a trace request.

    ``json.JSONDecodeError`` (bad JSON) and ``OtlpDecodeError`` (JSON of the
    wrong shape) are both ``ValueError``s.
    """
    return decode_request(json.loads(line, parse_constant=_reject_constant))


def decode_request(request: object) -> list[SpanRecord]:
    request_object = _object(request, "the request")
    if _field(request_object, "resourceSpans") is None:
        raise OtlpDecodeError("no resourceSpans: not a trace request")
    spans: list[SpanRecord] = []
    for resource_spans in _objects(request_object, "resourceSpans"):
        resource = _object(_field(resource_spans, "resource") or {}, "resource")
        resource_attributes = decode_attributes(_field(resource, "attributes"))
        for scope_spans in _objects(resource_spans, "scopeSpans"):
            scope = _object(_field(scope_spans, "scope") or {}, "scope")
            spans.extend(
                _decode_span(span, resource_attributes, scope)
                for span in _objects(scope_spans, "spans")
            )
    return spans


def _decode_span(
    span: JsonObject, resource: dict[str, AttributeValue], scope: JsonObject
) -> SpanRecord:
    status = _object(_field(span, "status") or {}, "status")
    return SpanRecord(
        trace_id=_decode_id(_field(span, "traceId"), TRACE_ID_BYTES, "traceId"),
        span_id=_decode_id(_field(span, "spanId"), SPAN_ID_BYTES, "spanId"),
        parent_span_id=_decode_parent_id(_field(span, "parentSpanId")),
        name=_string(_field(span, "name"), "name"),
        kind=_enum_name(_field(span, "kind"), SPAN_KIND_NAMES, _SPAN_KIND_PREFIX, "kind"),
        start_unix_nano=_integer(_field(span, "startTimeUnixNano"), "startTimeUnixNano"),
        end_unix_nano=_integer(_field(span, "endTimeUnixNano"), "endTimeUnixNano"),
        status_code=_enum_name(
            _field(status, "code"), STATUS_CODE_NAMES, _STATUS_CODE_PREFIX, "status code"
        ),
        status_message=_string(_field(status, "message"), "status message"),
        attributes=decode_attributes(_field(span, "attributes")),
        events=tuple(_decode_event(event) for event in _objects(span, "events")),
        resource=resource,
        scope_name=_string(_field(scope, "name"), "scope name"),
        scope_version=_string(_field(scope, "version"), "scope version"),
        links=tuple(_decode_link(link) for link in _objects(span, "links")),
    )


def _decode_event(event: JsonObject) -> EventRecord:
    return EventRecord(
        name=_string(_field(event, "name"), "event name"),
        time_unix_nano=_integer(_field(event, "timeUnixNano"), "event timeUnixNano"),
        attributes=decode_attributes(_field(event, "attributes")),
    )


def _decode_link(link: JsonObject) -> LinkRecord:
    return LinkRecord(
        trace_id=_decode_id(_field(link, "traceId"), TRACE_ID_BYTES, "link traceId"),
        span_id=_decode_id(_field(link, "spanId"), SPAN_ID_BYTES, "link spanId"),
        attributes=decode_attributes(_field(link, "attributes")),
    )


def decode_attributes(attributes: object) -> dict[str, AttributeValue]:
    decoded: dict[str, AttributeValue] = {}
    for pair in _list(attributes, "attributes"):
        pair_object = _object(pair, "attribute")
        key = _string(_field(pair_object, "key"), "attribute key")
        decoded[key] = decode_any_value(_field(pair_object, "value"))
    return decoded


def decode_any_value(value: object) -> AttributeValue:
    """A Python value for an ``AnyValue``; an empty one (or none) is ``None``."""
    if value is None:
        return None
    any_value = _object(value, "attribute value")
    for key, decode in _ANY_VALUE_DECODERS:
        found = _field(any_value, key)
        if found is not None:
            return decode(found)
    return None


def _decode_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise OtlpDecodeError(f"boolValue is {value!r}, not true or false")
    return value


def _decode_double(value: object) -> float:
    if isinstance(value, str) and value in _NON_FINITE_NAMES:
        return _NON_FINITE_NAMES[value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise OtlpDecodeError(f"doubleValue is {value!r}, not a number")


def _decode_array(value: object) -> list[AttributeValue]:
    array = _object(value, "arrayValue")
    return [decode_any_value(item) for item in _list(_field(array, "values"), "arrayValue")]


def _decode_kvlist(value: object) -> dict[str, AttributeValue]:
    return decode_attributes(_field(_object(value, "kvlistValue"), "values"))


_ANY_VALUE_DECODERS: tuple[tuple[str, Callable[[object], AttributeValue]], ...] = (
    ("stringValue", lambda value: _string(value, "stringValue")),
    ("boolValue", _decode_bool),
    ("intValue", lambda value: _integer(value, "intValue")),
    ("doubleValue", _decode_double),
    ("arrayValue", _decode_array),
    ("kvlistValue", _decode_kvlist),
    # Kept as its base64 text: records hold JSON-like values only.
    ("bytesValue", lambda value: _string(value, "bytesValue")),
)


def _decode_id(value: object, size: int, what: str) -> str:
    text = _string(value, what)
    if not text:
        raise OtlpDecodeError(f"{what} is missing")
    return _id_as_hex(text, size, what)


def _decode_parent_id(value: object) -> str | None:
    text = _string(value, "parentSpanId")
    return _id_as_hex(text, SPAN_ID_BYTES, "parentSpanId") if text else None


def _id_as_hex(text: str, size: int, what: str) -> str:
    if len(text) == size * 2:
        try:
            return bytes.fromhex(text).hex()
        except ValueError:
            pass
    # protobuf's generic JSON mapping writes bytes as base64.
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) != size:
        raise OtlpDecodeError(f"{what} {text!r} is not a {size}-byte id in hex")
    return raw.hex()


def _enum_name(value: object, names: tuple[str, ...], prefix: str, what: str) -> str:
    if value is None:
        return names[0]
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return names[value]
    if isinstance(value, str) and value.removeprefix(prefix) in names:
        return value.removeprefix(prefix)
    raise OtlpDecodeError(f"{what} {value!r} is not one of {', '.join(names)}")


def _integer(value: object, what: str) -> int:
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise OtlpDecodeError(f"{what} is {value!r}, not an integer")


def _string(value: object, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise OtlpDecodeError(f"{what} is {value!r}, not a string")
    return value


def _object(value: object, what: str) -> JsonObject:
    if not isinstance(value, dict):
        raise OtlpDecodeError(f"{what} is {type(value).__name__}, not an object")
    return value


def _list(value: object, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise OtlpDecodeError(f"{what} is {type(value).__name__}, not a list")
    return value


def _objects(container: JsonObject, key: str) -> list[JsonObject]:
    return [_object(item, key) for item in _list(_field(container, key), key)]


def _field(container: JsonObject, camel_key: str) -> object:
    """``container[camel_key]``, or its snake_case spelling, which protobuf's
    JSON parsers accept too; ``None`` if neither is there."""
    if camel_key in container:
        return container[camel_key]
    return container.get(_snake_case(camel_key))


@functools.cache
def _snake_case(camel_key: str) -> str:
    return "".join(f"_{char.lower()}" if char.isupper() else char for char in camel_key)


def _reject_constant(name: str) -> float:
    # Python's json accepts bare NaN / Infinity, which are not JSON.
    raise OtlpDecodeError(f"bare {name} is not JSON")

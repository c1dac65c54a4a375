"""The OTLP/JSON line: its exact shape, and field-for-field agreement with the
SDK's own OTLP protobuf encoder."""

from __future__ import annotations

import base64
import json
import math

import pytest
from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otelscope.store.otlp_json import encode_any_value, encode_line, encode_request
from otelscope.store.otlp_json_decode import decode_any_value, decode_line, decode_request
from tests.store.spans import (
    T0,
    TRACE_A_HEX,
    TRACE_B_HEX,
    plain_span,
    provider_exporting_to,
    record_scenario,
)

ID_KEYS = ("traceId", "spanId", "parentSpanId")


def scenario_spans() -> list[ReadableSpan]:
    exporter = InMemorySpanExporter()
    record_scenario(provider_exporting_to(exporter))
    return list(exporter.get_finished_spans())


def string_value(text: str) -> dict:
    return {"stringValue": text}


def attribute(key: str, value: dict) -> dict:
    return {"key": key, "value": value}


EXPECTED_RESOURCE = {
    "attributes": [
        attribute("service.name", string_value("shop")),
        attribute("service.instance.id", string_value("i-1")),
        attribute("deployment.replicas", {"intValue": "3"}),
    ]
}


def test_a_client_span_with_events_links_and_error_status_has_the_exact_otlp_json_shape():
    chat = scenario_spans()[0]

    line = encode_line([chat])

    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    request = json.loads(line)
    compact = json.dumps(request, separators=(",", ":"), ensure_ascii=False)
    assert line.decode() == compact + "\n"
    assert request == {
        "resourceSpans": [
            {
                "resource": EXPECTED_RESOURCE,
                "scopeSpans": [
                    {
                        "scope": {
                            "name": "otelscope",
                            "version": "0.4.0",
                            "attributes": [attribute("scope.tag", string_value("t"))],
                        },
                        "spans": [
                            {
                                "traceId": TRACE_A_HEX,
                                "spanId": "0000000000000002",
                                "parentSpanId": "0000000000000001",
                                "flags": 0x100,
                                "name": "chat gpt-4o",
                                "kind": 3,
                                "startTimeUnixNano": str(T0 + 1_000),
                                "endTimeUnixNano": str(T0 + 2_000),
                                "attributes": [
                                    attribute("gen_ai.operation.name", string_value("chat")),
                                    attribute("gen_ai.usage.input_tokens", {"intValue": "12"}),
                                ],
                                "events": [
                                    {
                                        "timeUnixNano": str(T0 + 1_500),
                                        "name": "gen_ai.choice",
                                        "attributes": [
                                            attribute("index", {"intValue": "0"}),
                                            attribute("finish", string_value("stop")),
                                        ],
                                    },
                                    {"timeUnixNano": str(T0 + 1_600), "name": "retrying"},
                                ],
                                "links": [
                                    {
                                        "traceId": TRACE_B_HEX,
                                        "spanId": "53995c3f42cd8ad8",
                                        "attributes": [
                                            attribute("link.why", string_value("retry"))
                                        ],
                                        "flags": 0x300,
                                    }
                                ],
                                "status": {"code": 2, "message": "rate limited"},
                            }
                        ],
                        "schemaUrl": "https://x.test/s",
                    }
                ],
                "schemaUrl": "https://opentelemetry.io/schemas/1.37.0",
            }
        ]
    }


def test_every_attribute_type_is_an_any_value():
    root = scenario_spans()[3]

    span = encode_request([root])["resourceSpans"][0]["scopeSpans"][0]["spans"][0]

    assert span["status"] == {"code": 1}
    assert "parentSpanId" not in span
    assert span["attributes"] == [
        attribute("text", string_value("héllo, 世界")),
        attribute("empty.text", string_value("")),
        attribute("flag.on", {"boolValue": True}),
        attribute("flag.off", {"boolValue": False}),
        attribute("count", {"intValue": "42"}),
        attribute("negative", {"intValue": "-7"}),
        attribute("big", {"intValue": "4611686018427387904"}),
        attribute("zero", {"intValue": "0"}),
        attribute("ratio", {"doubleValue": 0.25}),
        attribute("whole.float", {"doubleValue": 3.0}),
        attribute("texts", {"arrayValue": {"values": [string_value("a"), string_value("b")]}}),
        attribute(
            "counts",
            {"arrayValue": {"values": [{"intValue": "1"}, {"intValue": "-2"}, {"intValue": "3"}]}},
        ),
        attribute(
            "ratios", {"arrayValue": {"values": [{"doubleValue": 1.5}, {"doubleValue": -0.5}]}}
        ),
        attribute("flags", {"arrayValue": {"values": [{"boolValue": True}, {"boolValue": False}]}}),
        attribute("nothing", {"arrayValue": {}}),
    ]


def test_spans_group_by_resource_then_scope():
    spans = scenario_spans()

    request = encode_request(spans)

    assert [
        [
            (scope["scope"].get("name"), [span["spanId"][-1] for span in scope["spans"]])
            for scope in resource["scopeSpans"]
        ]
        for resource in request["resourceSpans"]
    ] == [[("otelscope", ["2", "1", "5"]), ("other.library", ["3", "4"])]]


def hex_ids_as_base64(value: object) -> object:
    """protobuf's generic JSON mapping wants bytes in base64, OTLP/JSON has hex."""
    if isinstance(value, list):
        return [hex_ids_as_base64(item) for item in value]
    if not isinstance(value, dict):
        return value
    return {
        key: base64.b64encode(bytes.fromhex(item)).decode()
        if key in ID_KEYS
        else hex_ids_as_base64(item)
        for key, item in value.items()
    }


def test_the_json_is_field_for_field_what_the_sdk_protobuf_encoder_produces():
    spans = scenario_spans()
    from_sdk = encode_spans(spans)

    ours = json_format.ParseDict(
        hex_ids_as_base64(encode_request(spans)), ExportTraceServiceRequest()
    )

    sdk_spans = [
        span
        for resource in from_sdk.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    our_spans = json.loads(encode_line(spans))["resourceSpans"][0]["scopeSpans"]
    assert [
        (s.trace_id.hex(), s.span_id.hex(), s.parent_span_id.hex(), s.start_time_unix_nano)
        for s in sdk_spans
    ] == [
        (s["traceId"], s["spanId"], s.get("parentSpanId", ""), int(s["startTimeUnixNano"]))
        for scope in our_spans
        for s in scope["spans"]
    ]
    assert ours == from_sdk


def test_protobufs_generic_json_mapping_decodes_to_the_same_records():
    spans = scenario_spans()
    ours = decode_line(encode_line(spans).decode())
    proto = encode_spans(spans)

    camel = json_format.MessageToDict(proto)
    snake = json_format.MessageToDict(proto, preserving_proto_field_name=True)

    assert camel["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["kind"] == "SPAN_KIND_CLIENT"
    assert decode_request(camel) == ours
    assert decode_request(snake) == ours
    assert [record.span_id for record in ours] == [f"{n:016x}" for n in (2, 1, 5, 3, 4)]


def test_numbers_where_strings_are_expected_and_enum_names_are_read():
    line = json.dumps(
        {
            "resourceSpans": [
                {
                    "scopeSpans": [
                        {
                            "spans": [
                                {
                                    "traceId": TRACE_A_HEX.upper(),
                                    "spanId": "00000000000000AB",
                                    "parentSpanId": "",
                                    "name": "n",
                                    "kind": "SPAN_KIND_SERVER",
                                    "startTimeUnixNano": 5,
                                    "endTimeUnixNano": "9",
                                    "attributes": [
                                        attribute("i", {"intValue": 7}),
                                        attribute("d", {"doubleValue": "Infinity"}),
                                        attribute("e", {}),
                                        attribute(
                                            "kv",
                                            {
                                                "kvlistValue": {
                                                    "values": [
                                                        attribute("inner", {"boolValue": False})
                                                    ]
                                                }
                                            },
                                        ),
                                    ],
                                    "status": {"code": "STATUS_CODE_ERROR"},
                                }
                            ]
                        }
                    ]
                }
            ]
        }
    )

    [record] = decode_line(line)

    assert (record.trace_id, record.span_id, record.parent_span_id) == (
        TRACE_A_HEX,
        "00000000000000ab",
        None,
    )
    assert (record.kind, record.status_code, record.status_message) == ("SERVER", "ERROR", "")
    assert (record.start_unix_nano, record.end_unix_nano) == (5, 9)
    assert record.attributes == {"i": 7, "d": math.inf, "e": None, "kv": {"inner": False}}
    assert (record.resource, record.scope_name, record.events) == ({}, "", ())


def one_span_request(**span_fields: object) -> str:
    span = {"traceId": TRACE_A_HEX, "spanId": "0000000000000001", **span_fields}
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]})


def test_a_span_without_kind_is_unspecified():
    [record] = decode_line(one_span_request())

    assert (record.kind, record.status_code, record.name) == ("UNSPECIFIED", "UNSET", "")


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (math.nan, {"doubleValue": "NaN"}),
        (-math.inf, {"doubleValue": "-Infinity"}),
        (b"\x00\xff", {"bytesValue": "AP8="}),
        (
            {"a": [1, None]},
            {
                "kvlistValue": {
                    "values": [attribute("a", {"arrayValue": {"values": [{"intValue": "1"}, {}]}})]
                }
            },
        ),
        (None, {}),
    ],
)
def test_values_the_sdk_rarely_holds_are_still_valid_any_values(value, encoded):
    assert encode_any_value(value) == encoded


def test_non_finite_doubles_read_back():
    assert math.isnan(decode_any_value({"doubleValue": "NaN"}))
    assert decode_any_value({"doubleValue": "-Infinity"}) == -math.inf
    assert decode_any_value({"doubleValue": "2.5"}) == 2.5


def test_a_lone_surrogate_is_written_as_an_escape_and_reads_back():
    span = plain_span(1, 1, attributes={"odd": "a\udc80b"})

    line = encode_line([span])

    assert b"\\udc80" in line
    assert decode_line(line.decode())[0].attributes == {"odd": "a\udc80b"}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("[1]", "the request is list, not an object"),
        ('{"resourceMetrics":[]}', "no resourceSpans: not a trace request"),
        ('{"resourceSpans":{}}', "resourceSpans is dict, not a list"),
        (one_span_request(traceId=None), "traceId is missing"),
        (one_span_request(traceId="abc"), "traceId 'abc' is not a 16-byte id in hex"),
        (one_span_request(spanId=7), "spanId is 7, not a string"),
        (
            one_span_request(kind=9),
            "kind 9 is not one of UNSPECIFIED, INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER",
        ),
        (
            one_span_request(kind="CLIENT_SPAN"),
            "kind 'CLIENT_SPAN' is not one of "
            "UNSPECIFIED, INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER",
        ),
        (
            one_span_request(startTimeUnixNano="soon"),
            "startTimeUnixNano is 'soon', not an integer",
        ),
        (
            one_span_request(attributes=[{"key": "k", "value": {"boolValue": "yes"}}]),
            "boolValue is 'yes', not true or false",
        ),
        (one_span_request(events={}), "events is dict, not a list"),
        ('{"resourceSpans":[],"x":NaN}', "bare NaN is not JSON"),
    ],
)
def test_a_malformed_request_is_rejected_with_the_reason(line, reason):
    with pytest.raises(ValueError) as raised:
        decode_line(line)

    assert str(raised.value) == reason

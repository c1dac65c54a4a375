"""Spans from a real SDK provider, through the exporter's file, read back exactly."""

from __future__ import annotations

import json
from pathlib import Path

from otelscope.store import (
    EventRecord,
    LinkRecord,
    LocalStoreSpanExporter,
    SpanRecord,
    read_store,
)
from tests.store.spans import (
    ALL_TYPES,
    RESOURCE,
    SCOPE_NAME,
    SCOPE_VERSION,
    T0,
    TRACE_A_HEX,
    TRACE_B_HEX,
    provider_exporting_to,
    record_scenario,
)

RESOURCE_RECORD = {"service.name": "shop", "service.instance.id": "i-1", "deployment.replicas": 3}
# Read back, an array attribute is a list (JSON has no tuples); all else is equal.
ALL_TYPES_RECORD = {
    key: list(value) if isinstance(value, tuple) else value for key, value in ALL_TYPES.items()
}


def span_record(span_id: int, **fields) -> SpanRecord:
    defaults = {
        "trace_id": TRACE_A_HEX,
        "span_id": f"{span_id:016x}",
        "parent_span_id": f"{1:016x}",
        "kind": "INTERNAL",
        "resource": RESOURCE_RECORD,
        "scope_name": SCOPE_NAME,
        "scope_version": SCOPE_VERSION,
    }
    return SpanRecord(**{**defaults, **fields})


EXPECTED_IN_FILE_ORDER = [
    span_record(
        2,
        name="chat gpt-4o",
        kind="CLIENT",
        start_unix_nano=T0 + 1_000,
        end_unix_nano=T0 + 2_000,
        status_code="ERROR",
        status_message="rate limited",
        attributes={"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 12},
        events=(
            EventRecord("gen_ai.choice", T0 + 1_500, {"index": 0, "finish": "stop"}),
            EventRecord("retrying", T0 + 1_600, {}),
        ),
        links=(LinkRecord(TRACE_B_HEX, "53995c3f42cd8ad8", {"link.why": "retry"}),),
    ),
    span_record(
        3,
        name="server work",
        kind="SERVER",
        start_unix_nano=T0 + 3_000,
        end_unix_nano=T0 + 3_500,
        scope_name="other.library",
        scope_version="",
    ),
    span_record(
        4,
        name="producer work",
        kind="PRODUCER",
        start_unix_nano=T0 + 4_000,
        end_unix_nano=T0 + 4_500,
        scope_name="other.library",
        scope_version="",
    ),
    span_record(
        1,
        parent_span_id=None,
        name="invoke_agent Friday",
        start_unix_nano=T0,
        end_unix_nano=T0 + 9_000,
        status_code="OK",
        attributes=ALL_TYPES_RECORD,
    ),
    span_record(
        5,
        trace_id=TRACE_B_HEX,
        parent_span_id="00f067aa0ba902b7",
        name="consume job",
        kind="CONSUMER",
        start_unix_nano=T0 + 20_000,
        end_unix_nano=T0 + 25_000,
    ),
]


def test_spans_round_trip_exactly_through_the_store(tmp_path: Path):
    store = tmp_path / "nested" / "store"
    provider = provider_exporting_to(LocalStoreSpanExporter(store))
    record_scenario(provider)
    provider.shutdown()

    contents = read_store(store)

    assert contents.problems == []
    assert contents.files == [store / "traces.jsonl"]
    assert contents.spans == EXPECTED_IN_FILE_ORDER
    assert sorted(path.name for path in store.iterdir()) == [
        "traces.index.sqlite",
        "traces.jsonl",
        "traces.lock",
    ]


def test_each_export_is_one_line_of_one_request(tmp_path: Path):
    provider = provider_exporting_to(LocalStoreSpanExporter(tmp_path))
    record_scenario(provider)

    lines = (tmp_path / "traces.jsonl").read_bytes().split(b"\n")

    assert lines[-1] == b""
    requests = [json.loads(line) for line in lines[:-1]]
    assert [len(request["resourceSpans"]) for request in requests] == [1] * 5
    assert [
        request["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"] for request in requests
    ] == [record.name for record in EXPECTED_IN_FILE_ORDER]
    assert RESOURCE.schema_url == requests[0]["resourceSpans"][0]["schemaUrl"]

"""Reading spans back through Phoenix's own REST API (``/v1``).

``GET /v1/projects/{project}/spans/otlpv1`` returns spans in OTLP's shape
(hex ids, typed attribute values), which is what otelscope exported. Phoenix
files spans under projects; the demo names none, so its spans land in
Phoenix's default project, but every project is searched so that no span can
hide in another one.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

LOOPBACK = "127.0.0.1"
REQUEST_TIMEOUT_S = 10.0
PAGE_SIZE = 1000  # the endpoint's maximum
POLL_INTERVAL_S = 0.5

# OTLP status codes as the endpoint returns them, by the names the local store uses.
_STATUS_NAMES = {0: "UNSET", 1: "OK", 2: "ERROR"}


@dataclass(frozen=True)
class PhoenixSpan:
    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    start_unix_nano: int
    end_unix_nano: int
    status_code: str
    attributes: dict[str, Any]


def wait_for_spans(
    base_url: str, trace_ids: Iterable[str], expected: int, timeout_s: float
) -> list[PhoenixSpan]:
    """The spans of ``trace_ids`` once Phoenix holds ``expected`` of them.

    Phoenix acknowledges an OTLP request before it writes the spans to its
    database, so they appear some time after the exporter has returned. On
    timeout this returns what is there, for the caller's assertion to show.
    """
    wanted = sorted(set(trace_ids))
    deadline = time.monotonic() + timeout_s
    while True:
        spans = fetch_spans(base_url, wanted)
        if len(spans) >= expected or time.monotonic() > deadline:
            return spans
        time.sleep(POLL_INTERVAL_S)


def fetch_spans(base_url: str, trace_ids: list[str]) -> list[PhoenixSpan]:
    return [
        span
        for project in _project_ids(base_url)
        for span in _project_spans(base_url, project, trace_ids)
    ]


def _project_ids(base_url: str) -> Iterator[str]:
    for project in _pages(f"{base_url}/v1/projects", {}):
        yield project["id"]


def _project_spans(base_url: str, project: str, trace_ids: list[str]) -> Iterator[PhoenixSpan]:
    path = f"/v1/projects/{urllib.parse.quote(project, safe='')}/spans/otlpv1"
    query = {"trace_id": trace_ids, "limit": [str(PAGE_SIZE)]}
    for span in _pages(base_url + path, query):
        yield _span(span)


def _pages(url: str, query: dict[str, list[str]]) -> Iterator[dict[str, Any]]:
    """Every item of a paginated ``/v1`` listing, following ``next_cursor``."""
    cursor: str | None = None
    while True:
        parameters = dict(query) | ({"cursor": [cursor]} if cursor else {})
        body = _get_json(f"{url}?{urllib.parse.urlencode(parameters, doseq=True)}")
        yield from body["data"]
        cursor = body.get("next_cursor")
        if not cursor:
            return


def _get_json(url: str) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
        return json.load(response)


def _span(raw: dict[str, Any]) -> PhoenixSpan:
    return PhoenixSpan(
        trace_id=raw["trace_id"],
        span_id=raw["span_id"],
        parent_span_id=raw["parent_span_id"] or None,
        name=raw["name"],
        start_unix_nano=int(raw["start_time_unix_nano"]),
        end_unix_nano=int(raw["end_time_unix_nano"]),
        status_code=_STATUS_NAMES[raw["status"]["code"]],
        attributes={item["key"]: plain_value(item["value"]) for item in raw["attributes"]},
    )


def plain_value(value: dict[str, Any]) -> Any:
    """An OTLP ``AnyValue`` (one field set, the others null) as a Python value."""
    for kind, content in value.items():
        if content is None:
            continue
        if kind == "array_value":
            return [plain_value(item) for item in content.get("values") or []]
        if kind == "kvlist_value":
            return {item["key"]: plain_value(item["value"]) for item in content.get("values") or []}
        if kind == "int_value":
            return int(content)  # OTLP/JSON may spell 64-bit integers as strings
        return content
    return None

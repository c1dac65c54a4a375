"""The waterfall page as text: its data, its escaping, and that it loads nothing."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re

import pytest

from otelscope.store.records import EventRecord, LinkRecord, SpanRecord
from otelscope.viewer.html import format_duration, render_waterfall_html, time_ticks
from tests.viewer.traces import (
    AGENT_ID,
    CHAT_1_ID,
    FAILED_TOOL_ID,
    HOSTILE,
    HOSTILE_ESCAPED,
    HOSTILE_MESSAGE,
    OLDER_TRACE_ID,
    SERVED_TRACE_ID,
    TRACE_ID,
    TRACE_START,
    agent_trace,
    older_trace,
    served_trace,
)

DATA_BLOCK = re.compile(
    r'<script type="application/json" id="waterfall-data">(.*?)</script>', re.DOTALL
)


def _data_text(page: str) -> str:
    (text,) = DATA_BLOCK.findall(page)
    return text


def _payload(page: str) -> dict:
    return json.loads(_data_text(page))


def _record(data: dict) -> SpanRecord:
    events = tuple(EventRecord(**event) for event in data["events"])
    links = tuple(LinkRecord(**link) for link in data["links"])
    return SpanRecord(**{**data, "events": events, "links": links})


def _rows(page: str) -> list[dict]:
    return [row for trace in _payload(page)["traces"] for row in trace["rows"]]


def _row(page: str, span_id: str) -> dict:
    (row,) = [row for row in _rows(page) if row["span"]["span_id"] == span_id]
    return row


def test_payload_decodes_back_to_exactly_the_spans_given():
    spans = agent_trace() + older_trace()
    page = render_waterfall_html(spans, title="run")
    decoded = [_record(row["span"]) for row in _rows(page)]

    assert sorted(decoded, key=lambda span: span.span_id) == sorted(
        spans, key=lambda span: span.span_id
    )


def test_rows_are_in_tree_order_with_depths_and_offsets_on_the_trace_axis():
    (trace,) = _payload(render_waterfall_html(agent_trace(), title="run"))["traces"]

    assert [(row["span"]["name"], row["depth"]) for row in trace["rows"]] == [
        ("invoke_agent Friday", 0),
        ("react step", 1),
        ("chat scripted-model", 2),
        ("execute_tool get_weather", 2),
        ("react step", 1),
        ("chat scripted-model", 2),
        ("execute_tool get_weather", 2),
        ("execute_tool clock", 2),
    ]
    assert [(row["offsetNano"], row["durationNano"]) for row in trace["rows"]] == [
        (0, 46_300_000),
        (1_000_000, 16_000_000),
        (1_500_000, 7_900_000),
        (10_000_000, 5_800_000),
        (17_500_000, 27_500_000),
        (18_000_000, 12_100_000),
        (30_500_000, 5_800_000),
        (36_800_000, 0),
    ]
    assert trace["durationNano"] == 46_300_000
    assert trace["startText"] == "2025-11-28 08:00:00.000000000 UTC"


def test_react_steps_are_named_with_their_round():
    page = render_waterfall_html(agent_trace(), title="run")

    assert [row["label"] for row in _rows(page)] == [
        "invoke_agent Friday",
        "react step #1",
        "chat scripted-model",
        "execute_tool get_weather",
        "react step #2",
        "chat scripted-model",
        "execute_tool get_weather",
        "execute_tool clock",
    ]
    # The record keeps the name it was given.
    assert _rows(page)[1]["span"]["name"] == "react step"


def _text_part(text: str, kind: str = "text", label: str = "") -> dict:
    return {"kind": kind, "label": label, "text": text}


def test_captured_content_is_laid_out_as_messages_and_parts():
    page = render_waterfall_html(agent_trace(), title="run")

    assert _row(page, CHAT_1_ID)["content"] == [
        {
            "key": "gen_ai.system_instructions",
            "title": "system",
            "messages": [{"role": None, "parts": [_text_part("Be brief.")]}],
        },
        {
            "key": "gen_ai.input.messages",
            "title": "input",
            "messages": [{"role": "user", "parts": [_text_part(HOSTILE_MESSAGE)]}],
        },
        {
            "key": "gen_ai.output.messages",
            "title": "output",
            "messages": [
                {
                    "role": "assistant",
                    "parts": [
                        _text_part("Checking."),
                        # Structured values are pretty-printed for the panel.
                        _text_part(
                            '{\n  "city": "Paris"\n}', "tool_call", "tool_call get_weather (call_1)"
                        ),
                    ],
                }
            ],
        },
    ]
    # Arguments that are not JSON are text, shown as recorded.
    assert _row(page, FAILED_TOOL_ID)["content"] == [
        {
            "key": "gen_ai.tool.call.arguments",
            "title": "arguments",
            "messages": [{"role": None, "parts": [_text_part(HOSTILE)]}],
        }
    ]
    assert _row(page, AGENT_ID)["content"] == []


def test_trace_summary_and_row_labels():
    page = render_waterfall_html(agent_trace(), title="run")
    (trace,) = _payload(page)["traces"]
    chat, failed, agent = (_row(page, span_id) for span_id in (CHAT_1_ID, FAILED_TOOL_ID, AGENT_ID))

    assert (trace["traceId"], trace["name"], trace["durationText"]) == (
        TRACE_ID,
        "invoke_agent Friday",
        "46.3 ms",
    )
    assert (trace["spanCount"], trace["errorCount"], trace["service"]) == (8, 1, "weather-bot")
    assert [tick["label"] for tick in trace["ticks"]] == [
        "0 ms",
        "10 ms",
        "20 ms",
        "30 ms",
        "40 ms",
    ]
    assert (chat["category"], chat["durationText"], chat["tokensText"], chat["errorText"]) == (
        "chat",
        "7.9 ms",
        "24 in / 8 out tokens",
        "",
    )
    assert (failed["category"], failed["errorText"], failed["eventOffsetTexts"]) == (
        "execute_tool",
        "ValueError",
        ["+5.7 ms"],
    )
    # Roll-ups on agent spans are not model calls' own tokens: no token label.
    assert (agent["category"], agent["tokensText"]) == ("invoke_agent", "")


def test_a_trace_across_services_is_one_waterfall_whose_rows_name_their_service():
    (trace,) = _payload(render_waterfall_html(served_trace(), title="run"))["traces"]

    assert (trace["traceId"], trace["services"], trace["service"]) == (
        SERVED_TRACE_ID,
        ["weather-bot", "calc-server"],
        "weather-bot, calc-server",
    )
    assert [(row["span"]["name"], row["depth"], row["service"]) for row in trace["rows"]] == [
        ("invoke_agent Calculator", 0, "weather-bot"),
        ("execute_tool add", 1, "weather-bot"),
        ("tools/call add", 2, "calc-server"),
        ("add", 3, "calc-server"),
        ("chat scripted-model", 1, "weather-bot"),
    ]
    assert [row["offsetNano"] for row in trace["rows"]] == [
        0,
        1_000_000,
        2_000_000,
        3_000_000,
        13_000_000,
    ]


def test_a_single_service_trace_lists_one_service():
    (trace,) = _payload(render_waterfall_html(agent_trace(), title="run"))["traces"]

    assert trace["services"] == ["weather-bot"]
    assert {row["service"] for row in trace["rows"]} == {"weather-bot"}


def test_traces_are_newest_first_each_on_its_own_axis():
    payload = _payload(render_waterfall_html(older_trace() + agent_trace(), title="run"))

    assert [trace["traceId"] for trace in payload["traces"]] == [TRACE_ID, OLDER_TRACE_ID]
    older = payload["traces"][1]
    assert [row["offsetNano"] for row in older["rows"]] == [0, 5_000_000]
    assert older["durationNano"] == 10_000_000


def test_a_span_whose_parent_is_missing_is_a_root():
    rows = _payload(render_waterfall_html(older_trace(), title="run"))["traces"][0]["rows"]

    assert [(row["span"]["name"], row["depth"], row["parentMissing"]) for row in rows] == [
        ("invoke_workflow sequential_pipeline", 0, False),
        ("embeddings text-embedding-3", 0, True),
    ]
    assert (rows[1]["category"], rows[1]["tokensText"]) == ("embeddings", "7 in tokens")


def test_spans_linked_in_a_cycle_are_still_shown():
    first, second = (
        SpanRecord(
            trace_id=TRACE_ID,
            span_id=span_id,
            parent_span_id=parent,
            name=span_id,
            kind="INTERNAL",
            start_unix_nano=TRACE_START + offset,
            end_unix_nano=TRACE_START + offset + 10,
        )
        for span_id, parent, offset in (("01", "02", 0), ("02", "01", 5))
    )
    rows = _payload(render_waterfall_html([second, first], title="run"))["traces"][0]["rows"]

    assert [(row["span"]["span_id"], row["depth"]) for row in rows] == [("01", 0), ("02", 1)]
    assert [row["category"] for row in rows] == ["other", "other"]


def test_a_span_given_twice_is_drawn_twice():
    spans = agent_trace()
    chat = next(span for span in spans if span.span_id == CHAT_1_ID)
    rows = _rows(render_waterfall_html([*spans, chat], title="run"))

    assert [(row["span"]["span_id"], row["depth"]) for row in rows][1:4] == [
        ("b000000000000001", 1),
        (CHAT_1_ID, 2),
        (CHAT_1_ID, 2),
    ]
    assert len(rows) == len(spans) + 1


def test_deep_nesting_is_drawn_to_the_last_level():
    chain = [
        SpanRecord(
            trace_id=TRACE_ID,
            span_id=f"{level:016x}",
            parent_span_id=f"{level - 1:016x}" if level else None,
            name=f"level {level}",
            kind="INTERNAL",
            start_unix_nano=TRACE_START + level,
            end_unix_nano=TRACE_START + 5000,
        )
        for level in range(3000)
    ]
    rows = _rows(render_waterfall_html(chain, title="run"))

    assert [row["depth"] for row in rows] == list(range(3000))


def test_hostile_values_are_inert_text():
    page = render_waterfall_html(agent_trace(), title=HOSTILE)

    assert HOSTILE_ESCAPED in _data_text(page)
    assert HOSTILE not in page
    assert "<img" not in page
    # The data block and the script are the only elements a "</script>" closes.
    assert page.count("</script>") == 2
    assert "<title>&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</title>" in page
    assert _row(page, FAILED_TOOL_ID)["span"]["attributes"]["gen_ai.tool.call.arguments"] == (
        HOSTILE
    )
    assert _payload(page)["title"] == HOSTILE


def test_a_script_in_a_message_is_escaped_data():
    page = render_waterfall_html(agent_trace(), title="run")
    data = _data_text(page)

    assert HOSTILE_MESSAGE not in page
    assert "<script>alert" not in page
    # Once in the attribute as recorded, once laid out.
    assert data.count("\\u003cscript\\u003ealert('message')\\u003c/script\\u003e") == 2
    assert page.count("<script") == 2


def test_ampersands_are_escaped_in_the_data():
    span = dataclasses.replace(agent_trace()[0], attributes={"note": "a && b &amp; c"})
    text = _data_text(render_waterfall_html([span], title="run"))

    assert '"note":"a \\u0026\\u0026 b \\u0026amp; c"' in text


def test_the_page_is_ascii_and_keeps_non_ascii_values():
    span = dataclasses.replace(agent_trace()[0], name="天气 \u2028 é")
    page = render_waterfall_html([span], title="Météo")

    page.encode("ascii")
    assert "<title>M&#233;t&#233;o</title>" in page
    assert _rows(page)[0]["span"]["name"] == "天气 \u2028 é"


def test_non_finite_numbers_become_strings_so_the_data_stays_json():
    span = dataclasses.replace(
        agent_trace()[0], attributes={"low": float("-inf"), "odd": float("nan"), "ok": 0.5}
    )
    text = _data_text(render_waterfall_html([span], title="run"))

    def reject(constant: str) -> None:
        raise AssertionError(f"not JSON: {constant}")

    row = json.loads(text, parse_constant=reject)["traces"][0]["rows"][0]
    assert row["span"]["attributes"] == {"low": "-inf", "odd": "nan", "ok": 0.5}


def test_the_page_references_nothing_outside_itself():
    page = render_waterfall_html(agent_trace() + older_trace(), title="run")
    markup = page.replace(_data_text(page), "")

    assert "http://" not in page
    assert "https://" not in page
    for reference in ("src=", "href=", "url(", "@import", "@font-face", "file:"):
        assert reference not in markup


def test_the_security_policy_allows_exactly_the_inline_style_and_script():
    page = render_waterfall_html(agent_trace(), title="run")
    (policy,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    (script,) = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    (style,) = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)

    def source_hash(source: str) -> str:
        digest = hashlib.sha256(source.encode()).digest()
        return "'sha256-" + base64.b64encode(digest).decode() + "'"

    assert policy == (
        f"default-src 'none'; script-src {source_hash(script)}; style-src {source_hash(style)}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )


def test_no_spans_gives_a_page_without_traces():
    page = render_waterfall_html([], title="empty")

    assert _payload(page) == {"title": "empty", "traces": []}


@pytest.mark.parametrize(
    ("duration", "labels"),
    [
        (46_300_000, ["0 ms", "10 ms", "20 ms", "30 ms", "40 ms"]),
        (1_800_000_000, ["0.0 s", "0.5 s", "1.0 s", "1.5 s"]),
        (800_000, [f"0.{tenth} ms" for tenth in range(9)]),
        (40_000, ["0 µs", "5 µs", "10 µs", "15 µs", "20 µs", "25 µs", "30 µs", "35 µs", "40 µs"]),
        (3, ["0 ns", "1 ns", "2 ns", "3 ns"]),
        (1, ["0 ns", "1 ns"]),
    ],
)
def test_time_ticks_fall_on_round_steps(duration, labels):
    ticks = time_ticks(duration)

    assert [tick["label"] for tick in ticks] == labels
    step = ticks[1]["offsetNano"]
    assert [tick["offsetNano"] for tick in ticks] == [index * step for index in range(len(ticks))]


@pytest.mark.parametrize(
    ("nano", "text"),
    [
        (0, "0 ns"),
        (999, "999 ns"),
        (1_500, "1.5 µs"),
        (7_900_000, "7.9 ms"),
        (999_940_000, "999.9 ms"),
        (1_250_000_000, "1.25 s"),
        (125_000_000_000, "125.00 s"),
    ],
)
def test_durations_read_like_the_terminal_tree(nano, text):
    assert format_duration(nano) == text

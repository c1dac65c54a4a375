"""A small store for the store page: six traces, two conversations, known prices.

Prices come from `PRICES` (a user's file over the shipped table: `test-gpt` at
$2 in, $1 cache-read, $8 out per million tokens) and the shipped table
(gpt-4o: $2.50 in, $10 out). Newest last here; the page lists them newest first.

  +0 s   FIRST    chat-42 turn 1  Friday: test-gpt 1000 in / 200 out         $0.0036
  +30 s  CRITIC   chat-7          Critic: test-gpt 100 in / 50 out            $0.0006
                                          scripted-model 10 in / 5 out        unknown
  +60 s  SECOND   chat-42 turn 2  Friday: test-gpt 2000 in (500 cached) / 100 out,
                                          the tool fails                      $0.0043
  +90 s  INDEXING (no conversation): embeddings scripted-embedding 20 in     unknown
  +120 s THIRD    chat-42 turn 3  Friday: gpt-4o (gpt-4o-2024-08-06) 1000 in / 100 out
                                                                              $0.0035
  +150 s HOSTILE  a conversation, agent, names and values made to break out of
                  the page: test-gpt 10 in / 10 out                           $0.0001

chat-42 costs $0.0114; the six traces $0.0121 + unknown.
"""

from __future__ import annotations

import json
from pathlib import Path

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags

from otelscope.store import LocalStoreSpanExporter
from otelscope.store.records import AttributeValue, EventRecord, SpanRecord
from tests.viewer.traces import HOSTILE, HOSTILE_MESSAGE, TRACE_START

FIRST = "11111111111111111111111111111111"
CRITIC = "22222222222222222222222222222222"
SECOND = "33333333333333333333333333333333"
INDEXING = "44444444444444444444444444444444"
THIRD = "55555555555555555555555555555555"
HOSTILE_TRACE = "66666666666666666666666666666666"
NEWEST_FIRST = [HOSTILE_TRACE, THIRD, INDEXING, SECOND, CRITIC, FIRST]
SECOND_NANO = 10**9
MS = 10**6

PRICES = """\
[[price]]
provider = "openai"
models = ["test-gpt"]
input = 2.00
cache_read = 1.00
output = 8.00
date = 2025-11-01
source = "the tests' contract"
"""
# A right-to-left override: drawn as is, it would show the name reversed.
BIDI_NAME = "invoke_agent \u202etxt.exe"
HOSTILE_CONVERSATION = "<script>alert('conversation')</script>"
HOSTILE_VALUE = '"><svg onload=alert(4)>'
SERVICE = "weather-bot"


def write_prices(directory: Path) -> Path:
    path = directory / "prices.toml"
    path.write_text(PRICES, encoding="utf-8")
    return path


def _span(  # noqa: PLR0917 (a span reads best as these six, in this order)
    trace_id: str,
    number: int,
    parent: int | None,
    name: str,
    times_ms: tuple[float, float],
    attributes: dict[str, AttributeValue],
    *,
    start_s: int,
    kind: str = "INTERNAL",
    **fields: object,
) -> SpanRecord:
    base = TRACE_START + start_s * SECOND_NANO
    return SpanRecord(
        trace_id=trace_id,
        span_id=f"{trace_id[:2]}{number:014x}",
        parent_span_id=None if parent is None else f"{trace_id[:2]}{parent:014x}",
        name=name,
        kind=kind,
        start_unix_nano=base + round(times_ms[0] * MS),
        end_unix_nano=base + round(times_ms[1] * MS),
        attributes=attributes,
        resource={"service.name": SERVICE},
        scope_name="otelscope",
        scope_version="0.1.0",
        **fields,
    )


def _chat(
    model: str, tokens: tuple[int, int], **extra: AttributeValue
) -> dict[str, AttributeValue]:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": model,
        "gen_ai.usage.input_tokens": tokens[0],
        "gen_ai.usage.output_tokens": tokens[1],
        **extra,
    }


def _agent(name: str, conversation: str | None) -> dict[str, AttributeValue]:
    attributes: dict[str, AttributeValue] = {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": name,
    }
    if conversation is not None:
        attributes["gen_ai.conversation.id"] = conversation
    return attributes


def _weather_turn(trace_id: str, start_s: int, chat: dict[str, AttributeValue], *, fails: bool):
    tool: dict[str, AttributeValue] = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.arguments": '{"city": "Paris"}',
    }
    failure: dict[str, object] = {}
    if fails:
        tool["error.type"] = "ValueError"
        failure = {"status_code": "ERROR", "status_message": "unknown city"}
    return [
        _span(
            trace_id,
            1,
            None,
            "invoke_agent Friday",
            (0, 40),
            _agent("Friday", "chat-42"),
            start_s=start_s,
        ),
        _span(
            trace_id,
            2,
            1,
            "chat " + str(chat["gen_ai.request.model"]),
            (1, 20),
            chat,
            start_s=start_s,
            kind="CLIENT",
        ),
        _span(
            trace_id, 3, 1, "execute_tool get_weather", (21, 39), tool, start_s=start_s, **failure
        ),
    ]


def store_traces() -> list[list[SpanRecord]]:
    """The six traces, oldest first, each its spans."""
    hostile_content = json.dumps(
        [{"role": "user", "parts": [{"type": "text", "content": HOSTILE_MESSAGE}]}]
    )
    return [
        _weather_turn(FIRST, 0, _chat("test-gpt", (1000, 200)), fails=False),
        [
            _span(
                CRITIC,
                1,
                None,
                "invoke_agent Critic",
                (0, 30),
                _agent("Critic", "chat-7"),
                start_s=30,
            ),
            _span(
                CRITIC,
                2,
                1,
                "chat test-gpt",
                (1, 10),
                _chat("test-gpt", (100, 50)),
                start_s=30,
                kind="CLIENT",
            ),
            _span(
                CRITIC,
                3,
                1,
                "chat scripted-model",
                (11, 20),
                _chat("scripted-model", (10, 5)),
                start_s=30,
                kind="CLIENT",
            ),
        ],
        _weather_turn(
            SECOND,
            60,
            _chat("test-gpt", (2000, 100), **{"gen_ai.usage.cache_read.input_tokens": 500}),
            fails=True,
        ),
        [
            _span(
                INDEXING,
                1,
                None,
                "index_documents travel-notes",
                (0, 5),
                {"gen_ai.operation.name": "index_documents"},
                start_s=90,
            ),
            _span(
                INDEXING,
                2,
                1,
                "embeddings scripted-embedding",
                (1, 4),
                {
                    "gen_ai.operation.name": "embeddings",
                    "gen_ai.request.model": "scripted-embedding",
                    "gen_ai.usage.input_tokens": 20,
                },
                start_s=90,
                kind="CLIENT",
            ),
        ],
        _weather_turn(
            THIRD,
            120,
            _chat("gpt-4o", (1000, 100), **{"gen_ai.response.model": "gpt-4o-2024-08-06"}),
            fails=False,
        ),
        [
            _span(
                HOSTILE_TRACE,
                1,
                None,
                BIDI_NAME,
                (0, 10),
                _agent(HOSTILE, HOSTILE_CONVERSATION),
                start_s=150,
            ),
            _span(
                HOSTILE_TRACE,
                2,
                1,
                HOSTILE,
                (1, 9),
                _chat(
                    "test-gpt",
                    (10, 10),
                    **{"gen_ai.input.messages": hostile_content, "note": HOSTILE_VALUE},
                ),
                start_s=150,
                kind="CLIENT",
                events=(EventRecord("</script>", TRACE_START, {"onerror": HOSTILE}),),
            ),
        ],
    ]


def all_spans() -> list[SpanRecord]:
    return [span for trace in store_traces() for span in trace]


def readable(record: SpanRecord) -> ReadableSpan:
    """The record as the SDK hands it to an exporter."""

    def context(span_id: str) -> SpanContext:
        return SpanContext(
            int(record.trace_id, 16), int(span_id, 16), False, TraceFlags(TraceFlags.SAMPLED)
        )

    return ReadableSpan(
        name=record.name,
        context=context(record.span_id),
        parent=context(record.parent_span_id) if record.parent_span_id else None,
        resource=Resource(dict(record.resource)),
        attributes=record.attributes,
        events=[
            Event(event.name, event.attributes, event.time_unix_nano) for event in record.events
        ],
        kind=SpanKind[record.kind],
        status=Status(StatusCode[record.status_code], record.status_message or None),
        start_time=record.start_unix_nano,
        end_time=record.end_unix_nano,
        instrumentation_scope=InstrumentationScope(record.scope_name, record.scope_version),
    )


def write_store(directory: Path, traces: list[list[SpanRecord]] | None = None) -> None:
    """The traces through the real exporter, a line per trace, oldest first."""
    exporter = LocalStoreSpanExporter(directory)
    for trace in store_traces() if traces is None else traces:
        exporter.export([readable(span) for span in trace])
    exporter.shutdown()

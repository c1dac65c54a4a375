"""Span records shaped like the ones otelscope writes for one ReAct agent call.

invoke_agent Friday                0.0 - 46.3 ms
  react step (round 1)             1.0 - 17.0 ms
    chat scripted-model            1.5 -  9.4 ms  24 in / 8 out tokens, content captured
    execute_tool get_weather      10.0 - 15.8 ms  ERROR ValueError (hostile arguments)
  react step (round 2)            17.5 - 45.0 ms
    chat scripted-model           18.0 - 30.1 ms  144 in / 12 out tokens
    execute_tool get_weather      30.5 - 36.3 ms
    execute_tool clock            36.8 - 36.8 ms  (zero duration)
"""

from __future__ import annotations

import dataclasses
import json

from otelscope.store.records import AttributeValue, EventRecord, LinkRecord, SpanRecord

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
OLDER_TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
# 2025-11-28 08:00:00 UTC.
TRACE_START = 1_764_316_800_000_000_000
HOSTILE = "</script><img src=x onerror=alert(1)>"
HOSTILE_ESCAPED = "\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e"
# A user's message that tries to run script in the details panel.
HOSTILE_MESSAGE = "<script>alert('message')</script><img src=x onerror=alert(2)>"

AGENT_ID = "a000000000000001"
ROUND_1_ID = "b000000000000001"
CHAT_1_ID = "c000000000000001"
FAILED_TOOL_ID = "d000000000000001"
ROUND_2_ID = "b000000000000002"
CHAT_2_ID = "c000000000000002"
TOOL_ID = "d000000000000002"
INSTANT_TOOL_ID = "d000000000000003"

RESOURCE: dict[str, AttributeValue] = {
    "service.name": "weather-bot",
    "telemetry.sdk.language": "python",
}


def _ms(milliseconds: float) -> int:
    return TRACE_START + round(milliseconds * 1_000_000)


def _span(
    span_id: str,
    parent: str | None,
    name: str,
    times_ms: tuple[float, float],
    attributes: dict[str, AttributeValue],
    *,
    kind: str = "INTERNAL",
    trace_id: str = TRACE_ID,
    **fields: object,
) -> SpanRecord:
    return SpanRecord(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent,
        name=name,
        kind=kind,
        start_unix_nano=_ms(times_ms[0]),
        end_unix_nano=_ms(times_ms[1]),
        attributes=attributes,
        resource=RESOURCE,
        scope_name="otelscope",
        scope_version="0.1.0",
        **fields,
    )


# The first model call's captured content, as the recorder writes it.
CHAT_1_CONTENT: dict[str, AttributeValue] = {
    "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "Be brief."}]),
    "gen_ai.input.messages": json.dumps(
        [{"role": "user", "parts": [{"type": "text", "content": HOSTILE_MESSAGE}]}]
    ),
    "gen_ai.output.messages": json.dumps(
        [
            {
                "role": "assistant",
                "parts": [
                    {"type": "text", "content": "Checking."},
                    {
                        "type": "tool_call",
                        "id": "call_1",
                        "name": "get_weather",
                        "arguments": {"city": "Paris"},
                    },
                ],
                "finish_reason": "tool_call",
            }
        ]
    ),
}


def _chat(
    span_id: str,
    parent: str,
    times_ms: tuple[float, float],
    tokens: tuple[int, int],
    content: dict[str, AttributeValue] | None = None,
):
    return _span(
        span_id,
        parent,
        "chat scripted-model",
        times_ms,
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "scripted-model",
            "gen_ai.usage.input_tokens": tokens[0],
            "gen_ai.usage.output_tokens": tokens[1],
            "gen_ai.response.finish_reasons": ["completed"],
            **(content or {}),
        },
        kind="CLIENT",
    )


def _tool(span_id, parent, name, times_ms, extra_attributes=None, **fields):
    attributes: dict[str, AttributeValue] = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": name,
        "gen_ai.tool.call.id": f"{name}-{span_id[-1]}",
        "gen_ai.tool.type": "function",
        **(extra_attributes or {}),
    }
    return _span(span_id, parent, f"execute_tool {name}", times_ms, attributes, **fields)


def _round(span_id: str, number: int, times_ms: tuple[float, float], finish: str) -> SpanRecord:
    attributes: dict[str, AttributeValue] = {
        "gen_ai.operation.name": "react",
        "gen_ai.react.round": number,
        "gen_ai.react.finish_reason": finish,
    }
    return _span(span_id, AGENT_ID, "react step", times_ms, attributes)


def agent_trace() -> list[SpanRecord]:
    """The trace in the module docstring, in the order an exporter emits it (ends first)."""
    failure = EventRecord(
        name="exception",
        time_unix_nano=_ms(15.7),
        attributes={"exception.type": "ValueError", "exception.message": "unknown city"},
    )
    agent = _span(
        AGENT_ID,
        None,
        "invoke_agent Friday",
        (0.0, 46.3),
        {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "Friday",
            "gen_ai.conversation.id": "chat-42",
            "otelscope.usage.input_tokens": 168,
            "otelscope.usage.output_tokens": 20,
        },
        # The question followed up on the older trace's run.
        links=(LinkRecord(OLDER_TRACE_ID, "e000000000000001", {"otelscope.link": "follow-up"}),),
    )
    return [
        _chat(CHAT_1_ID, ROUND_1_ID, (1.5, 9.4), (24, 8), CHAT_1_CONTENT),
        _tool(
            FAILED_TOOL_ID,
            ROUND_1_ID,
            "get_weather",
            (10.0, 15.8),
            extra_attributes={"gen_ai.tool.call.arguments": HOSTILE, "error.type": "ValueError"},
            status_code="ERROR",
            status_message="unknown city",
            events=(failure,),
        ),
        _round(ROUND_1_ID, 1, (1.0, 17.0), "tool_calls"),
        _chat(CHAT_2_ID, ROUND_2_ID, (18.0, 30.1), (144, 12)),
        _tool(TOOL_ID, ROUND_2_ID, "get_weather", (30.5, 36.3)),
        _tool(INSTANT_TOOL_ID, ROUND_2_ID, "clock", (36.8, 36.8)),
        _round(ROUND_2_ID, 2, (17.5, 45.0), "stop"),
        agent,
    ]


def older_trace() -> list[SpanRecord]:
    """A trace that started a second before `agent_trace`, one of whose spans lost its parent."""
    return [
        _span(
            "e000000000000001",
            None,
            "invoke_workflow sequential_pipeline",
            (-1000.0, -990.0),
            {"gen_ai.operation.name": "invoke_workflow"},
            trace_id=OLDER_TRACE_ID,
        ),
        _span(
            "e000000000000002",
            "ffffffffffffffff",
            "embeddings text-embedding-3",
            (-995.0, -994.0),
            {"gen_ai.operation.name": "embeddings", "gen_ai.usage.input_tokens": 7},
            trace_id=OLDER_TRACE_ID,
            kind="CLIENT",
        ),
    ]


SERVED_TRACE_ID = "5b8aa5a2d2c872e8321cf37308d69df2"
SERVER_RESOURCE: dict[str, AttributeValue] = {
    "service.name": "calc-server",
    "telemetry.sdk.language": "python",
}


def served_trace() -> list[SpanRecord]:
    """A trace across two processes: an agent's tool call served by an MCP server.

    invoke_agent Calculator   weather-bot   0.0 - 20.0 ms
      execute_tool add        weather-bot   1.0 - 12.0 ms
        tools/call add        calc-server   2.0 - 11.0 ms
          add                 calc-server   3.0 -  4.0 ms
      chat scripted-model     weather-bot  13.0 - 19.0 ms
    """
    trace = SERVED_TRACE_ID

    def server_span(span_id, parent, name, times_ms, kind="INTERNAL"):
        span = _span(span_id, parent, name, times_ms, {}, kind=kind, trace_id=trace)
        return dataclasses.replace(span, resource=SERVER_RESOURCE)

    return [
        server_span("f000000000000004", "f000000000000003", "add", (3.0, 4.0)),
        server_span(
            "f000000000000003", "f000000000000002", "tools/call add", (2.0, 11.0), "SERVER"
        ),
        _tool("f000000000000002", "f000000000000001", "add", (1.0, 12.0), trace_id=trace),
        dataclasses.replace(
            _chat("f000000000000005", "f000000000000001", (13.0, 19.0), (10, 2)), trace_id=trace
        ),
        _span(
            "f000000000000001",
            None,
            "invoke_agent Calculator",
            (0.0, 20.0),
            {"gen_ai.operation.name": "invoke_agent"},
            trace_id=trace,
        ),
    ]

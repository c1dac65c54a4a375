"""GenAI metrics on AgentScope 1.x: exact points, buckets and attributes."""

from __future__ import annotations

import asyncio

import pytest

from otelscope.core import conventions as conv
from tests.metric_expectations import (
    CHAT,
    assert_histogram,
    assert_two_tool_round_call,
    span_seconds,
)
from tests.v1.kit import Script, ScriptedChatModel, Step, call_with, make_agent, two_tool_rounds


def test_one_call_records_every_metric_exactly(traced) -> None:
    asyncio.run(call_with(make_agent(), two_tool_rounds("Oslo")))
    assert_two_tool_round_call(traced, "Friday")


def test_streamed_model_calls_record_the_time_to_first_chunk(traced) -> None:
    asyncio.run(
        call_with(make_agent(model=ScriptedChatModel(stream=True)), two_tool_rounds("Oslo"))
    )

    [ttfc] = traced.metrics()[conv.METRIC_TIME_TO_FIRST_CHUNK]
    assert dict(ttfc.attributes) == CHAT
    chats = [s for s in traced.spans() if s.name == "chat scripted-model"]
    recorded = sum(s.attributes["gen_ai.response.time_to_first_chunk"] for s in chats)
    assert ttfc.count == 3
    assert ttfc.sum == pytest.approx(recorded)


def test_a_failed_model_call_is_counted_with_its_error_type(traced) -> None:
    script = Script("bad", [Step(error=ValueError("boom"))])
    with pytest.raises(ValueError):
        asyncio.run(call_with(make_agent(), script))

    metrics = traced.metrics()
    [duration] = metrics[conv.METRIC_OPERATION_DURATION]
    assert dict(duration.attributes) == {**CHAT, "error.type": "ValueError"}
    assert duration.count == 1
    assert conv.METRIC_TOKEN_USAGE not in metrics  # no usage was reported
    [agent] = metrics[conv.METRIC_INVOKE_AGENT_DURATION]
    assert dict(agent.attributes) == {
        "gen_ai.agent.name": "Friday",
        "gen_ai.request.model": "scripted-model",
        "error.type": "ValueError",
    }
    [agent_span] = [s for s in traced.spans() if s.name == "invoke_agent Friday"]
    assert_histogram(agent, conv.AGENT_DURATION_BUCKETS, 1, span_seconds(agent_span))

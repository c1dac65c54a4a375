"""Exact metric points of one traced agent call, shared by both lines' tests."""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any

import pytest

from otelscope.core import conventions as conv

CHAT = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "unknown",
    "gen_ai.request.model": "scripted-model",
}


def points_by_attributes(points: list[Any]) -> dict[frozenset, Any]:
    return {frozenset(point.attributes.items()): point for point in points}


def assert_histogram(
    point: Any, buckets: tuple[float, ...], count: int, total: float | None = None
) -> None:
    """Bucket boundaries and count, and the sum where the test knows it."""
    assert tuple(point.explicit_bounds) == tuple(float(b) for b in buckets)
    assert point.count == count
    if total is not None:
        assert point.sum == total


def span_seconds(span: Any) -> float:
    return (span.end_time - span.start_time) / 1e9


def assert_two_tool_round_call(traced: Any, agent_name: str) -> None:
    """Metrics of one call with 3 model calls (10 in / 5 out each) and 2 tools."""
    metrics = traced.metrics()
    spans = {span.name: [] for span in traced.spans()}
    for span in traced.spans():
        spans[span.name].append(span)

    [duration] = metrics[conv.METRIC_OPERATION_DURATION]
    assert dict(duration.attributes) == CHAT
    chat_seconds = sum(span_seconds(s) for s in spans["chat scripted-model"])
    assert_histogram(duration, conv.DURATION_BUCKETS, 3)
    assert abs(duration.sum - chat_seconds) < 1e-9

    usage = points_by_attributes(metrics[conv.METRIC_TOKEN_USAGE])
    assert set(usage) == {
        frozenset({**CHAT, "gen_ai.token.type": "input"}.items()),
        frozenset({**CHAT, "gen_ai.token.type": "output"}.items()),
    }
    assert_histogram(
        usage[frozenset({**CHAT, "gen_ai.token.type": "input"}.items())],
        conv.TOKEN_BUCKETS,
        3,
        30,
    )
    assert_histogram(
        usage[frozenset({**CHAT, "gen_ai.token.type": "output"}.items())],
        conv.TOKEN_BUCKETS,
        3,
        15,
    )

    [agent] = metrics[conv.METRIC_INVOKE_AGENT_DURATION]
    assert dict(agent.attributes) == {
        "gen_ai.agent.name": agent_name,
        "gen_ai.request.model": "scripted-model",
    }
    [agent_span] = spans[f"invoke_agent {agent_name}"]
    assert_histogram(agent, conv.AGENT_DURATION_BUCKETS, 1, span_seconds(agent_span))

    [tool] = metrics[conv.METRIC_EXECUTE_TOOL_DURATION]
    assert dict(tool.attributes) == {
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.type": "function",
        "gen_ai.agent.name": agent_name,
    }
    tool_seconds = sum(span_seconds(s) for s in spans["execute_tool get_weather"])
    assert_histogram(tool, conv.DURATION_BUCKETS, 2)
    assert abs(tool.sum - tool_seconds) < 1e-9

    # Not streamed: no time to first chunk.
    assert conv.METRIC_TIME_TO_FIRST_CHUNK not in metrics


def assert_streamed_calls_record_time_to_first_chunk(traced: Any, kit: ModuleType) -> None:
    """Streamed model calls record the metric, equal to the spans' attribute."""
    model = kit.ScriptedChatModel(stream=True)
    asyncio.run(kit.call_with(kit.make_agent(model=model), kit.two_tool_rounds("Oslo")))

    [ttfc] = traced.metrics()[conv.METRIC_TIME_TO_FIRST_CHUNK]
    assert dict(ttfc.attributes) == CHAT
    chats = [s for s in traced.spans() if s.name == "chat scripted-model"]
    recorded = sum(s.attributes["gen_ai.response.time_to_first_chunk"] for s in chats)
    assert ttfc.count == 3
    assert ttfc.sum == pytest.approx(recorded)


def assert_failed_model_call_is_counted(traced: Any, kit: ModuleType) -> None:
    """A model error: duration with its error.type, no usage, the agent failed."""
    script = kit.Script("bad", [kit.Step(error=ValueError("boom"))])
    with pytest.raises(ValueError):
        asyncio.run(kit.call_with(kit.make_agent(), script))

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


def assert_exemplars_link_to_their_own_spans(traced: Any, kit: ModuleType) -> None:
    """The SDK's exemplars point at the span each point measures (a chat,
    the agent call, a tool call), not at the span that was current when it
    ended (its parent)."""
    asyncio.run(kit.call_with(kit.make_agent(), kit.two_tool_rounds("Oslo")))
    span_ids: dict[str, set[int]] = {}
    for span in traced.spans():
        operation = span.attributes["gen_ai.operation.name"]
        span_ids.setdefault(operation, set()).add(span.context.span_id)
    measured_operation = {
        conv.METRIC_OPERATION_DURATION: "chat",
        conv.METRIC_TOKEN_USAGE: "chat",
        conv.METRIC_INVOKE_AGENT_DURATION: "invoke_agent",
        conv.METRIC_EXECUTE_TOOL_DURATION: "execute_tool",
    }
    metrics = traced.metrics()
    assert set(metrics) == set(measured_operation)
    for name, operation in measured_operation.items():
        exemplars = [exemplar for point in metrics[name] for exemplar in point.exemplars]
        assert exemplars, name
        assert {exemplar.span_id for exemplar in exemplars} <= span_ids[operation], name

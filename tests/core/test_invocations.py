"""Invocation objects own their state: an agent call opens and closes its
rounds, ends whatever round is open the way it ends itself, rolls tokens up,
and each invocation records its metric exactly once."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from opentelemetry.metrics import NoOpMeter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind, StatusCode

from otelscope.core import calls
from otelscope.core.metrics import Metrics
from otelscope.core.records import AgentInfo, ChatRequest, ChatResult, ToolInfo
from otelscope.core.served import ServedResult
from otelscope.core.telemetry import Telemetry


class World:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.metrics = InMemoryMetricReader()
        meter = MeterProvider(metric_readers=[self.metrics]).get_meter("t")
        self.telemetry = Telemetry(tracer_provider.get_tracer("t"), Metrics(meter))

    def finished(self) -> dict[str, ReadableSpan]:
        return {span.name: span for span in self.spans.get_finished_spans()}

    def points(self, metric: str) -> list[tuple[dict[str, Any], int]]:
        data = self.metrics.get_metrics_data()
        found = []
        for resource in data.resource_metrics if data is not None else ():
            for scope in resource.scope_metrics:
                for each in scope.metrics:
                    if each.name == metric:
                        found.extend(
                            (dict(point.attributes or {}), point.count)
                            for point in each.data.data_points
                        )
        return found


INFO = AgentInfo(name="Friday", agent_id="a1", provider="openai", model="gpt")


@pytest.fixture
def world() -> World:
    return World()


def test_a_call_closes_each_round_as_the_next_opens_and_the_last_as_it_ends(world: World) -> None:
    call = world.telemetry.start_agent_call(object(), INFO)
    first = call.begin_round()
    call.round_for_acting()
    second = call.begin_round()
    assert first.ended and not second.ended
    call.end()
    spans = world.spans.get_finished_spans()
    assert [(span.name, dict(span.attributes or {})) for span in spans] == [
        (
            "react step",
            {
                "gen_ai.operation.name": "react",
                "gen_ai.react.round": 1,
                "gen_ai.react.finish_reason": "tool_calls",
            },
        ),
        (
            "react step",
            {
                "gen_ai.operation.name": "react",
                "gen_ai.react.round": 2,
                "gen_ai.react.finish_reason": "stop",
            },
        ),
        (
            "invoke_agent Friday",
            {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "Friday",
                "gen_ai.agent.id": "a1",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt",
            },
        ),
    ]
    assert all(span.parent.span_id == spans[2].context.span_id for span in spans[:2])
    assert world.points("gen_ai.invoke_agent.duration") == [
        ({"gen_ai.agent.name": "Friday", "gen_ai.request.model": "gpt"}, 1)
    ]


def test_a_failed_call_fails_its_open_round_and_ends_once(world: World) -> None:
    call = world.telemetry.start_agent_call(object(), INFO)
    call.begin_round()
    call.end(ValueError("boom"))
    call.end()
    spans = world.finished()
    assert spans["react step"].status.status_code == StatusCode.ERROR
    assert spans["react step"].attributes["error.type"] == "ValueError"
    assert spans["invoke_agent Friday"].attributes["error.type"] == "ValueError"
    assert world.points("gen_ai.invoke_agent.duration") == [
        (
            {
                "gen_ai.agent.name": "Friday",
                "gen_ai.request.model": "gpt",
                "error.type": "ValueError",
            },
            1,
        )
    ]


def test_a_cancelled_round_part_marks_its_call_cancelled(world: World) -> None:
    call = world.telemetry.start_agent_call(object(), INFO)
    react_round = call.begin_round()
    react_round.part_failed(asyncio.CancelledError())
    # The framework absorbed the cancellation: the call returns normally.
    call.end()
    spans = world.finished()
    assert spans["react step"].attributes["error.type"] == "cancelled"
    assert spans["invoke_agent Friday"].attributes["error.type"] == "cancelled"
    assert spans["invoke_agent Friday"].status.description == "cancelled"


def test_a_failed_round_part_does_not_cancel_its_call(world: World) -> None:
    call = world.telemetry.start_agent_call(object(), INFO)
    call.begin_round().part_failed(KeyError("k"))
    call.end()
    spans = world.finished()
    assert spans["react step"].attributes["error.type"] == "KeyError"
    assert "error.type" not in spans["invoke_agent Friday"].attributes


def test_a_chat_inside_a_round_feeds_the_round_and_call_roll_ups(world: World) -> None:
    call = world.telemetry.start_agent_call(object(), INFO)
    token = calls.enter_call(call)
    try:
        call.begin_round()
        chat = world.telemetry.start_chat(ChatRequest(provider="openai", model="gpt", stream=False))
        chat.finish(ChatResult(ServedResult(input_tokens=7, output_tokens=3)))
        nested = world.telemetry.start_agent_call(object(), INFO._replace(name="Inner"))
    finally:
        calls.leave_call(token)
    token = calls.enter_call(nested)
    try:
        inner_chat = world.telemetry.start_chat(ChatRequest("openai", "gpt", stream=False))
        inner_chat.finish(ChatResult(ServedResult(input_tokens=1, output_tokens=1)))
    finally:
        calls.leave_call(token)
    nested.end()
    call.end()
    spans = world.finished()
    rollup = ("otelscope.usage.input_tokens", "otelscope.usage.output_tokens")
    for name, expected in (
        ("invoke_agent Inner", (1, 1)),
        ("react step", (8, 4)),
        ("invoke_agent Friday", (8, 4)),
    ):
        assert tuple(spans[name].attributes[key] for key in rollup) == expected, name


def test_a_tool_call_records_its_metric_with_the_calling_agent(world: World) -> None:
    call = world.telemetry.start_agent_call(object(), INFO)
    token = calls.enter_call(call)
    try:
        tool = world.telemetry.start_tool(ToolInfo(name="weather", call_id="c1", description=None))
    finally:
        calls.leave_call(token)
    tool.fail_as("tool_error", "no weather")
    tool.stop()
    call.end()
    assert world.points("gen_ai.execute_tool.duration") == [
        (
            {
                "gen_ai.tool.name": "weather",
                "gen_ai.tool.type": "function",
                "gen_ai.agent.name": "Friday",
                "error.type": "tool_error",
            },
            1,
        )
    ]


def test_a_workflow_run_whose_task_absorbed_a_cancellation_ends_cancelled(world: World) -> None:
    async def run(cancel_inside: bool) -> None:
        workflow = world.telemetry.start_workflow("team")
        if cancel_inside:
            task = asyncio.current_task()
            assert task is not None
            task.cancel()
            # Absorbed, as an interrupted agent does.
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(0)
        workflow.complete()

    asyncio.run(run(cancel_inside=True))
    asyncio.run(run(cancel_inside=False))
    assert sorted(world.points("gen_ai.workflow.duration"), key=lambda point: len(point[0])) == [
        ({"gen_ai.workflow.name": "team"}, 1),
        ({"gen_ai.workflow.name": "team", "error.type": "cancelled"}, 1),
    ]


def test_a_part_of_a_call_is_a_span_in_its_conversation_and_none_under_a_dropped_one() -> None:
    world = World()
    call = world.telemetry.start_agent_call(object(), INFO._replace(conversation_id="c-9"))
    token = calls.enter_call(call)
    try:
        part = world.telemetry.start_part(
            "retrieval docs", SpanKind.CLIENT, {"gen_ai.operation.name": "retrieval", "x": None}
        )
    finally:
        calls.leave_call(token)
    part.stop()
    call.end()
    spans = world.finished()
    assert dict(spans["retrieval docs"].attributes) == {
        "gen_ai.operation.name": "retrieval",
        "gen_ai.conversation.id": "c-9",
    }
    assert spans["retrieval docs"].kind is SpanKind.CLIENT

    dropped = TracerProvider(sampler=ALWAYS_OFF)
    quiet = Telemetry(dropped.get_tracer("t"), Metrics(NoOpMeter("t")))
    dropped_call = quiet.start_agent_call(object(), INFO)
    token = calls.enter_call(dropped_call)
    try:
        dropped_part = quiet.start_part("retrieval docs", SpanKind.CLIENT, {})
    finally:
        calls.leave_call(token)
    assert dropped_part.span is dropped_call.span
    assert dropped_part.context is None

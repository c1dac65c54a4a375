"""Calls whose trace a sampler dropped, on both AgentScope lines.

A span a sampler drops is never exported, so otelscope starts none under
it: the parts of the call stand on the dropped span, whose context keeps
flowing (its trace, ``sampled=0``) to everything the call reaches, and the
metrics are recorded as for any call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from otelscope.core import conventions as conv
from otelscope.core import guard
from tests.conftest import Traced
from tests.content_expectations import forbid_serializing
from tests.lines.line import kit
from tests.metric_expectations import CHAT, points_by_attributes

TRACE_ID = 0x4BF92F3577B34DA6A3CE929D0E0E4736
SPAN_ID = 0x00F067AA0BA902B7


@contextmanager
def instrumented(traced: Traced) -> Iterator[Traced]:
    traced.instrument()
    try:
        yield traced
    finally:
        traced.instrumentor.uninstrument()


@contextmanager
def under(parent: SpanContext | trace.Span) -> Iterator[None]:
    """``parent`` (a span, or a span context) current, as a caller's span would be."""
    span = parent if isinstance(parent, trace.Span) else NonRecordingSpan(parent)
    token = otel_context.attach(trace.set_span_in_context(span))
    try:
        yield
    finally:
        otel_context.detach(token)


def dropped_parent(remote: bool = False) -> SpanContext:
    """A valid span context a sampler chose not to record (sampled=0)."""
    return SpanContext(TRACE_ID, SPAN_ID, is_remote=remote, trace_flags=TraceFlags(0))


def assert_metrics_of_two_tool_round_calls(traced: Traced, agent_name: str, calls: int) -> None:
    """Every metric point of ``calls`` calls of 3 model calls (10 in / 5 out
    each) and 2 tool runs, whatever was sampled."""
    metrics = traced.metrics()
    (duration,) = metrics[conv.METRIC_OPERATION_DURATION]
    assert (dict(duration.attributes), duration.count) == (CHAT, 3 * calls)
    usage = points_by_attributes(metrics[conv.METRIC_TOKEN_USAGE])
    by_type = {dict(key)["gen_ai.token.type"]: point for key, point in usage.items()}
    assert {kind: (point.count, point.sum) for kind, point in by_type.items()} == {
        "input": (3 * calls, 30 * calls),
        "output": (3 * calls, 15 * calls),
    }
    (agent,) = metrics[conv.METRIC_INVOKE_AGENT_DURATION]
    assert dict(agent.attributes) == {
        "gen_ai.agent.name": agent_name,
        "gen_ai.request.model": "scripted-model",
    }
    assert agent.count == calls
    (tool,) = metrics[conv.METRIC_EXECUTE_TOOL_DURATION]
    assert dict(tool.attributes) == {
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.type": "function",
        "gen_ai.agent.name": agent_name,
    }
    assert tool.count == 2 * calls


@pytest.mark.parametrize("stream", [False, True])
def test_a_dropped_call_starts_no_span_and_keeps_its_metrics(stream: bool) -> None:
    """Under a sampler that drops every trace: no span, every metric point,
    and the tool bodies run in the dropped call's context."""
    traced = Traced(sampler=ALWAYS_OFF)
    script = kit.two_tool_rounds("Oslo")
    model = kit.ScriptedChatModel(stream=stream)
    with instrumented(traced):
        asyncio.run(kit.call_with(kit.make_agent(model=model), script))
    assert traced.spans() == []
    assert_metrics_of_two_tool_round_calls(traced, "Friday", calls=1)
    # Both tools ran in the context of the call's dropped span: one trace,
    # not sampled, as everything the call reaches is told.
    first, second = script.tool_contexts
    assert first == second
    assert first.is_valid and not first.trace_flags.sampled


@pytest.mark.parametrize("stream", [False, True])
def test_a_dropped_call_with_content_capture_on_serializes_nothing(
    stream: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Capture on in every mode, but the trace dropped: no message, argument
    or result is converted or serialized (the serializers refuse, and any use
    of them would be an internal error), and the call is untouched."""
    forbid_serializing(monkeypatch)
    traced = Traced(sampler=ALWAYS_OFF)
    script = kit.two_tool_rounds("Oslo")
    traced.instrument(capture_content="SPAN_AND_EVENT")
    try:
        reply = asyncio.run(
            kit.call_with(kit.make_agent(model=kit.ScriptedChatModel(stream=stream)), script)
        )
    finally:
        traced.instrumentor.uninstrument()
    assert kit.reply_text(reply) == "Done Oslo"
    assert guard.take_internal_errors() == []
    assert traced.spans() == []
    assert_metrics_of_two_tool_round_calls(traced, "Friday", calls=1)


def test_a_call_under_a_dropped_span_follows_it() -> None:
    """A caller's span dropped by this process's sampler (parent-based): the
    call adds no span, its tools run in the caller's context, and a call
    made next to it, outside, is traced whole."""
    traced = Traced()
    dropped_script = kit.two_tool_rounds("Oslo")
    kept_script = kit.two_tool_rounds("Lima")
    agent = kit.make_agent()

    async def both() -> None:
        with under(dropped_parent()):
            await kit.call_with(agent, dropped_script)
        await kit.call_with(agent, kept_script)

    with instrumented(traced):
        asyncio.run(both())
    assert [ctx.span_id for ctx in dropped_script.tool_contexts] == [SPAN_ID, SPAN_ID]
    assert {ctx.trace_id for ctx in dropped_script.tool_contexts} == {TRACE_ID}
    spans = traced.spans()
    assert {span.context.trace_id for span in spans} != {TRACE_ID}
    assert len({span.context.trace_id for span in spans}) == 1
    assert sorted(span.name for span in spans) == sorted(
        ["invoke_agent Friday"]
        + ["react step"] * 3
        + ["chat scripted-model"] * 3
        + ["execute_tool get_weather"] * 2
    )
    assert_metrics_of_two_tool_round_calls(traced, "Friday", calls=2)


def test_an_unsampled_remote_parent_is_left_to_the_sampler() -> None:
    """An incoming unsampled ``traceparent`` under an ``ALWAYS_ON`` sampler,
    which records regardless: the call is recorded, under the remote parent."""
    traced = Traced(sampler=ALWAYS_ON)
    with instrumented(traced), under(dropped_parent(remote=True)):
        asyncio.run(kit.call_with(kit.make_agent(), kit.one_tool_round("Oslo")))
    (agent,) = [span for span in traced.spans() if span.name == "invoke_agent Friday"]
    assert agent.parent is not None
    assert (agent.context.trace_id, agent.parent.span_id) == (TRACE_ID, SPAN_ID)
    assert len(traced.spans()) == 6


def test_a_call_under_an_ended_span_is_still_traced() -> None:
    """An ended span is not recording either, but it was sampled: a call made
    in its context (a task that outlived it) is traced under it."""
    traced = Traced()
    tracer = traced.provider.get_tracer("test")
    with instrumented(traced):
        with tracer.start_as_current_span("request") as request:
            pass
        assert not request.is_recording()
        with under(request):
            asyncio.run(kit.call_with(kit.make_agent(), kit.one_tool_round("Oslo")))
    (agent,) = [span for span in traced.spans() if span.name == "invoke_agent Friday"]
    assert agent.parent is not None
    assert agent.parent.span_id == request.get_span_context().span_id
    assert len(traced.spans()) == 7


def test_a_model_called_alone_under_a_dropped_span_adds_none() -> None:
    """A model call outside any agent call, under a dropped span: its metric
    point, no span."""
    traced = Traced()

    async def call_model() -> None:
        kit.current_script.set(kit.Script("alone", [kit.Step(text="hi")]))
        await kit.ScriptedChatModel()(kit.model_input("hi"))

    with instrumented(traced), under(dropped_parent()):
        asyncio.run(call_model())
    assert traced.spans() == []
    (duration,) = traced.metrics()[conv.METRIC_OPERATION_DURATION]
    assert (dict(duration.attributes), duration.count) == (CHAT, 1)

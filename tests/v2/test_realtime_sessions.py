"""`realtime_session` and `realtime_turn` spans for a 2.x ``RealtimeAgent``
(a scripted realtime model: see ``tests.v2.realtime_kit``)."""

from __future__ import annotations

import asyncio
from typing import Any

from agentscope.agent import RealtimeAgent
from agentscope.event import ReplyEndEvent
from opentelemetry.trace import SpanKind, StatusCode

from tests.conftest import Traced
from tests.spantree import build_trees
from tests.v2.realtime_kit import ScriptedRealtimeModel, SilentTransport


async def two_turns(agent: RealtimeAgent, hang_up_after: int = 2) -> list[Any]:
    """Two text turns; the client hangs up after ``hang_up_after`` replies ended."""
    transport = SilentTransport()
    events: list[Any] = []
    async with agent:
        await agent.send("weather?")
        ended = 0
        async for event in agent.reply_stream(transport):
            events.append(event)
            if isinstance(event, ReplyEndEvent):
                ended += 1
                if ended == 1 < hang_up_after:
                    await agent.send("and tomorrow?")
                if ended == hang_up_after:
                    transport.hang_up.set()
    return events


def test_a_session_is_a_span_with_a_span_per_turn(traced: Traced) -> None:
    agent = RealtimeAgent("Voice", "Be brief.", ScriptedRealtimeModel())

    events = asyncio.run(two_turns(agent))

    assert sum(isinstance(event, ReplyEndEvent) for event in events) == 2
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "realtime_session Voice",
        [("realtime_turn", []), ("realtime_turn", [])],
    )
    assert root.span.kind == SpanKind.INTERNAL
    assert root.attributes == {
        "gen_ai.operation.name": "realtime_session",
        "gen_ai.agent.name": "Voice",
        "gen_ai.provider.name": "unknown",
        "gen_ai.request.model": "scripted-realtime",
        "gen_ai.conversation.id": agent.state.session_id,
        "otelscope.realtime.turn.count": 2,
    }
    first, second = (child.attributes for child in root.children)
    assert first == {
        "gen_ai.operation.name": "realtime_turn",
        "gen_ai.conversation.id": agent.state.session_id,
        "otelscope.realtime.turn.number": 1,
        "otelscope.realtime.turn.role": "assistant",
        "otelscope.realtime.turn.id": "resp-1",
        "otelscope.realtime.turn.finish_reason": "completed",
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 5,
    }
    assert second["otelscope.realtime.turn.number"] == 2
    assert second["otelscope.realtime.turn.id"] == "resp-2"
    assert all(span.status.status_code == StatusCode.UNSET for span in traced.spans())


def test_a_turn_the_model_failed_ends_with_an_error(traced: Traced) -> None:
    agent = RealtimeAgent("Voice", "Be brief.", ScriptedRealtimeModel(fail=True))

    events = asyncio.run(two_turns(agent, hang_up_after=1))

    [end] = [event for event in events if isinstance(event, ReplyEndEvent)]
    assert end.finished_reason == "error"
    [root] = build_trees(traced.spans())
    [turn] = root.children
    assert turn.attributes["otelscope.realtime.turn.finish_reason"] == "error"
    assert turn.attributes["error.type"] == "error"
    assert turn.span.status.status_code == StatusCode.ERROR
    # The session itself went on: the client hung up.
    assert root.span.status.status_code == StatusCode.UNSET
    assert root.attributes["otelscope.realtime.turn.count"] == 1


def test_a_session_closed_early_ends_cancelled_with_its_open_turns(traced: Traced) -> None:
    agent = RealtimeAgent("Voice", "Be brief.", ScriptedRealtimeModel())

    async def leave_early() -> None:
        async with agent:
            await agent.send("weather?")
            stream = agent.reply_stream(SilentTransport())
            async for event in stream:
                if type(event).__name__ == "TextBlockDeltaEvent":
                    break
            await stream.aclose()

    asyncio.run(leave_early())
    [root] = build_trees(traced.spans())
    assert root.attributes["error.type"] == "cancelled"
    [turn] = root.children
    assert turn.attributes["error.type"] == "cancelled"
    assert "otelscope.realtime.turn.finish_reason" not in turn.attributes

"""`realtime_session` and `realtime_turn` spans for a 2.x ``RealtimeAgent``:
a scripted realtime model (``tests.v2.realtime_kit``), and AgentScope's real
``OpenAIRealtimeModel`` over a websocket on loopback
(``tests.providers.openai_realtime_server``)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from agentscope.agent import RealtimeAgent
from agentscope.credential import OpenAICredential
from agentscope.event import ReplyEndEvent
from agentscope.realtime import OpenAIRealtimeModel
from opentelemetry.trace import SpanKind, StatusCode

from tests.conftest import Traced
from tests.content_expectations import Capture
from tests.providers.fake_server import ToolCall, Turn, Usage, running
from tests.providers.openai_realtime_server import FakeOpenAIRealtime
from tests.spantree import build_trees
from tests.v2.kit import get_weather, make_toolkit
from tests.v2.realtime_kit import RATE, ScriptedRealtimeModel, SilentTransport

# A model AgentScope ships a card for.
REALTIME_MODEL = "gpt-realtime-2.1"
WEATHER_CALL = ToolCall("call-weather-1", "get_weather", '{"city": "Oslo"}')


async def two_turns(agent: RealtimeAgent, hang_up_after: int = 2, rate: int = RATE) -> list[Any]:
    """Two text turns; the client hangs up after ``hang_up_after`` replies
    ended. ``rate``: the model's audio rate, which the client's must match."""
    transport = SilentTransport(rate)
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


def test_the_openai_model_over_its_socket_with_a_tool_call_is_one_turn_with_the_tool(
    traced: Traced,
) -> None:
    """AgentScope's real ``OpenAIRealtimeModel`` against a fake Realtime API:
    a reply that calls a tool, runs it and answers is one turn, with the
    tool's span under it and the usage of both responses."""
    with running(FakeOpenAIRealtime(on_request=True)) as server:
        server.script(
            Turn(tool_calls=(WEATHER_CALL,), response_id="resp-1", usage=Usage(20, 6)),
            Turn(text="Sunny in Oslo", response_id="resp-2", usage=Usage(31, 9)),
        )
        credential = OpenAICredential(api_key="sk-test", base_url=server.base_url)
        model = OpenAIRealtimeModel(REALTIME_MODEL, credential)
        agent = RealtimeAgent("Voice", "Be brief.", model, toolkit=make_toolkit(get_weather))

        events = asyncio.run(two_turns(agent, hang_up_after=1, rate=model.input_sample_rate))

    [end] = [event for event in events if isinstance(event, ReplyEndEvent)]
    assert end.finished_reason == "completed"
    assert [message["type"] for message in server.messages] == [
        "session.update",
        "conversation.item.create",
        "response.create",
        "conversation.item.create",
        "response.create",
    ]
    assert server.messages[3]["item"]["call_id"] == WEATHER_CALL.call_id
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "realtime_session Voice",
        [("realtime_turn", [("execute_tool get_weather", [])])],
    )
    assert root.attributes == {
        "gen_ai.operation.name": "realtime_session",
        "gen_ai.agent.name": "Voice",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": REALTIME_MODEL,
        "gen_ai.conversation.id": agent.state.session_id,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.realtime.turn.count": 1,
    }
    [turn] = root.children
    assert turn.attributes == {
        "gen_ai.operation.name": "realtime_turn",
        "gen_ai.conversation.id": agent.state.session_id,
        "otelscope.realtime.turn.number": 1,
        "otelscope.realtime.turn.role": "assistant",
        "otelscope.realtime.turn.id": "item-resp-1",
        "otelscope.realtime.turn.finish_reason": "completed",
        "gen_ai.usage.input_tokens": 51,
        "gen_ai.usage.output_tokens": 15,
    }
    [tool] = turn.children
    # The agent stops reading the tool's stream at its result: a completed call.
    assert tool.attributes == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.type": "function",
        "gen_ai.tool.call.id": WEATHER_CALL.call_id,
        "gen_ai.tool.description": "Get the weather of a city.",
    }
    assert all(span.status.status_code == StatusCode.UNSET for span in traced.spans())


def test_with_capture_on_a_turn_carries_what_the_agent_said(capture: Capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    with running(FakeOpenAIRealtime(on_request=True)) as server:
        server.script(Turn(text="Sunny in Oslo", response_id="resp-1"))
        credential = OpenAICredential(api_key="sk-test", base_url=server.base_url)
        model = OpenAIRealtimeModel(REALTIME_MODEL, credential)
        agent = RealtimeAgent("Voice", "Be brief.", model)

        asyncio.run(two_turns(agent, hang_up_after=1, rate=model.input_sample_rate))

    [turn] = capture.tree().children
    part = {"type": "text", "content": "Sunny in Oslo"}
    assert json.loads(turn.attributes["gen_ai.output.messages"]) == [
        {"role": "assistant", "parts": [part], "finish_reason": "stop"}
    ]
    assert "gen_ai.output.messages" not in capture.tree().attributes


def test_a_tool_that_runs_before_its_reply_start_is_taken_still_nests_in_its_turn(
    traced: Traced,
) -> None:
    """The agent's tasks run ahead of the stream's consumer: here the tool
    has run before the consumer takes a single event."""
    ran = asyncio.Event()

    async def get_weather(city: str) -> str:
        """Get the weather of a city.

        Args:
            city (str): The city name.
        """
        ran.set()
        return f"Sunny in {city}"

    with running(FakeOpenAIRealtime(on_request=True)) as server:
        server.script(
            Turn(tool_calls=(WEATHER_CALL,), response_id="resp-1"),
            Turn(text="Sunny in Oslo", response_id="resp-2"),
        )
        credential = OpenAICredential(api_key="sk-test", base_url=server.base_url)
        model = OpenAIRealtimeModel(REALTIME_MODEL, credential)
        agent = RealtimeAgent("Voice", "Be brief.", model, toolkit=make_toolkit(get_weather))

        async def late_consumer() -> None:
            transport = SilentTransport(model.input_sample_rate)
            async with agent:
                stream = agent.reply_stream(transport)  # the session starts
                await agent.send("weather?")
                await ran.wait()
                async for event in stream:
                    if isinstance(event, ReplyEndEvent):
                        transport.hang_up.set()

        asyncio.run(late_consumer())

    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "realtime_session Voice",
        [("realtime_turn", [("execute_tool get_weather", [])])],
    )
    [turn] = root.children
    assert turn.attributes["otelscope.realtime.turn.number"] == 1
    assert turn.attributes["otelscope.realtime.turn.finish_reason"] == "completed"
    assert root.attributes["otelscope.realtime.turn.count"] == 1

"""`realtime_session` and `realtime_turn` spans for a 1.x ``RealtimeAgent``
with AgentScope's real ``OpenAIRealtimeModel`` over a websocket on loopback
(``tests.providers.openai_realtime_server``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest

pytest.importorskip("agentscope.realtime", reason="this AgentScope 1.x ships no realtime agent")

from agentscope.agent import RealtimeAgent
from agentscope.message import TextBlock
from agentscope.realtime import ClientEvents, OpenAIRealtimeModel, ServerEvents
from agentscope.tool import Toolkit, ToolResponse
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind, StatusCode

from tests.conftest import Traced
from tests.content_expectations import Capture, forbid_serializing
from tests.providers.fake_server import (
    START_STOP_SECONDS,
    HttpError,
    ToolCall,
    Turn,
    Usage,
    running,
)
from tests.providers.openai_realtime_server import (
    AUDIO_DELTA,
    ERROR_CODE,
    FakeOpenAIRealtime,
)
from tests.spantree import build_trees

MODEL = "gpt-realtime"
WEATHER_CALL = ToolCall("call-weather-1", "get_weather", '{"city": "Oslo"}')


@pytest.fixture
def server() -> Iterator[FakeOpenAIRealtime]:
    with running(FakeOpenAIRealtime()) as started:
        yield started


def realtime_model(server: FakeOpenAIRealtime) -> OpenAIRealtimeModel:
    model = OpenAIRealtimeModel(MODEL, api_key="sk-test", enable_input_audio_transcription=False)
    model.websocket_url = server.url(MODEL)
    return model


def weather_toolkit(release: asyncio.Event | None = None) -> Toolkit:
    async def get_weather(city: str) -> ToolResponse:
        """The weather in a city.

        Args:
            city (str): The city.
        """
        if release is not None:
            await release.wait()
        return ToolResponse(content=[TextBlock(type="text", text=f"Sunny in {city}")])

    toolkit = Toolkit()
    toolkit.register_tool_function(get_weather)
    return toolkit


def audio() -> ClientEvents.ClientAudioAppendEvent:
    return ClientEvents.ClientAudioAppendEvent(
        session_id="client-1", audio=AUDIO_DELTA, format={"type": "audio/pcm", "rate": 24000}
    )


def typed(text: str) -> ClientEvents.ClientTextAppendEvent:
    return ClientEvents.ClientTextAppendEvent(session_id="client-1", text=text)


async def until(queue: asyncio.Queue[Any], kind: type, count: int = 1) -> list[Any]:
    """The agent's outgoing events up to the ``count``-th of ``kind``."""
    taken: list[Any] = []
    seen = 0
    while seen < count:
        # A hang guard, not a measure: as generous as the fake server's own.
        event = await asyncio.wait_for(queue.get(), timeout=START_STOP_SECONDS)
        taken.append(event)
        seen += isinstance(event, kind)
    return taken


class Exchange(NamedTuple):
    """What the client sends, and the agent's outgoing event to wait for."""

    sent: Any
    until: type
    count: int = 1


async def conversation(agent: RealtimeAgent, *exchanges: Exchange) -> list[Any]:
    """Start the agent, make each exchange in turn, stop it: the agent's
    outgoing events."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    await agent.start(queue)
    events: list[Any] = []
    for sent, kind, count in exchanges:
        await agent.handle_input(sent)
        events += await until(queue, kind, count)
    await agent.stop()
    return events


DONE = ServerEvents.AgentResponseDoneEvent


def session_attributes(server: FakeOpenAIRealtime, turns: int) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "realtime_session",
        "gen_ai.agent.name": "Voice",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": MODEL,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.realtime.turn.count": turns,
    }


def test_a_spoken_question_with_a_tool_call_is_a_session_of_three_turns(
    traced: Traced, server: FakeOpenAIRealtime
) -> None:
    server.script(
        Turn(tool_calls=(WEATHER_CALL,), response_id="resp-1", usage=Usage(20, 6)),
        Turn(text="Sunny in Oslo", response_id="resp-2", usage=Usage(31, 9)),
    )
    agent = RealtimeAgent("Voice", "Be brief.", realtime_model(server), weather_toolkit())

    events = asyncio.run(conversation(agent, Exchange(audio(), DONE, count=2)))

    [result] = [e for e in events if isinstance(e, ServerEvents.AgentResponseToolResultEvent)]
    assert result.tool_result["output"] == [{"type": "text", "text": "Sunny in Oslo"}]
    [output] = [m for m in server.sent("conversation.item.create")]
    assert output["item"]["call_id"] == "call-weather-1"
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "realtime_session Voice",
        [
            ("realtime_turn", []),
            ("realtime_turn", [("execute_tool get_weather", [])]),
            ("realtime_turn", []),
        ],
    )
    assert root.span.kind == SpanKind.INTERNAL
    assert root.attributes == session_attributes(server, turns=3)
    user, asked, answered = root.children
    assert user.attributes == {
        "gen_ai.operation.name": "realtime_turn",
        "otelscope.realtime.turn.number": 1,
        "otelscope.realtime.turn.role": "user",
        "otelscope.realtime.turn.id": "item-user-1",
        "otelscope.realtime.turn.finish_reason": "completed",
    }
    assert asked.attributes == {
        "gen_ai.operation.name": "realtime_turn",
        "otelscope.realtime.turn.number": 2,
        "otelscope.realtime.turn.role": "assistant",
        "otelscope.realtime.turn.id": "resp-1",
        "otelscope.realtime.turn.finish_reason": "completed",
        "gen_ai.usage.input_tokens": 20,
        "gen_ai.usage.output_tokens": 6,
    }
    assert answered.attributes["otelscope.realtime.turn.id"] == "resp-2"
    assert answered.attributes["otelscope.realtime.turn.number"] == 3
    assert answered.attributes["gen_ai.usage.input_tokens"] == 31
    assert answered.attributes["gen_ai.usage.output_tokens"] == 9
    [tool] = asked.children
    assert tool.attributes["gen_ai.tool.call.id"] == "call-weather-1"
    # The turn that asked for the tool lasts until the tool has run.
    assert tool.span.end_time <= asked.span.end_time
    assert all(span.status.status_code == StatusCode.UNSET for span in traced.spans())


def test_typed_text_makes_no_user_turn(traced: Traced, server: FakeOpenAIRealtime) -> None:
    server.script(
        Turn(text="Hello there", response_id="resp-1"), Turn(text="Bye", response_id="resp-2")
    )
    agent = RealtimeAgent("Voice", "Be brief.", realtime_model(server))

    asyncio.run(conversation(agent, Exchange(typed("hello"), DONE), Exchange(typed("bye"), DONE)))

    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "realtime_session Voice",
        [("realtime_turn", []), ("realtime_turn", [])],
    )
    assert root.attributes == session_attributes(server, turns=2)
    assert [turn.attributes["otelscope.realtime.turn.id"] for turn in root.children] == [
        "resp-1",
        "resp-2",
    ]
    assert {turn.attributes["otelscope.realtime.turn.role"] for turn in root.children} == {
        "assistant"
    }


def test_a_provider_error_in_a_response_fails_its_turn_and_the_session_goes_on(
    traced: Traced, server: FakeOpenAIRealtime
) -> None:
    server.script(
        Turn(
            text="Sunny in", response_id="resp-1", error=HttpError(500, "the model is overloaded")
        ),
        Turn(text="Sunny", response_id="resp-2"),
    )
    agent = RealtimeAgent("Voice", "Be brief.", realtime_model(server))

    failing = Exchange(typed("weather?"), ServerEvents.AgentErrorEvent)
    events = asyncio.run(conversation(agent, failing, Exchange(typed("again?"), DONE)))

    [error] = [e for e in events if isinstance(e, ServerEvents.AgentErrorEvent)]
    assert error.code == ERROR_CODE
    [root] = build_trees(traced.spans())
    failed, answered = root.children
    assert failed.attributes == {
        "gen_ai.operation.name": "realtime_turn",
        "otelscope.realtime.turn.number": 1,
        "otelscope.realtime.turn.role": "assistant",
        "otelscope.realtime.turn.id": "resp-1",
        "otelscope.realtime.turn.finish_reason": "error",
        "error.type": ERROR_CODE,
    }
    assert failed.span.status.status_code == StatusCode.ERROR
    assert failed.span.status.description == "the model is overloaded"
    assert answered.attributes["otelscope.realtime.turn.finish_reason"] == "completed"
    assert answered.span.status.status_code == StatusCode.UNSET
    assert root.span.status.status_code == StatusCode.UNSET
    assert root.attributes == session_attributes(server, turns=2)
    assert root.span.events == ()


def test_a_provider_error_outside_a_response_is_an_event_on_the_session(
    traced: Traced, server: FakeOpenAIRealtime
) -> None:
    server.script(Turn(error=HttpError(400, "unknown item")))
    agent = RealtimeAgent("Voice", "Be brief.", realtime_model(server))

    asyncio.run(conversation(agent, Exchange(typed("weather?"), ServerEvents.AgentErrorEvent)))

    [root] = build_trees(traced.spans())
    assert root.children == []
    assert root.span.status.status_code == StatusCode.UNSET
    [event] = root.span.events
    assert event.name == "otelscope.realtime.error"
    assert dict(event.attributes or {}) == {
        "error.type": ERROR_CODE,
        "otelscope.realtime.error.message": "unknown item",
    }
    assert root.attributes == session_attributes(server, turns=0)


def test_stopping_while_a_tool_runs_ends_its_turn_cancelled(
    traced: Traced, server: FakeOpenAIRealtime
) -> None:
    server.script(Turn(tool_calls=(WEATHER_CALL,), response_id="resp-1"))
    release = asyncio.Event()
    agent = RealtimeAgent("Voice", "Be brief.", realtime_model(server), weather_toolkit(release))

    asyncio.run(conversation(agent, Exchange(typed("weather?"), DONE)))

    [root] = build_trees(traced.spans())
    # The tool was still waiting when the program ended (its task cancelled).
    assert root.shape() == (
        "realtime_session Voice",
        [("realtime_turn", [("execute_tool get_weather", [])])],
    )
    assert root.span.status.status_code == StatusCode.UNSET
    [turn] = root.children
    assert turn.attributes["error.type"] == "cancelled"
    assert "otelscope.realtime.turn.finish_reason" not in turn.attributes
    [tool] = turn.children
    assert tool.attributes["error.type"] == "cancelled"


def test_a_start_that_cannot_connect_fails_the_session_and_raises_unchanged(
    traced: Traced,
) -> None:
    with running(FakeOpenAIRealtime()) as gone:
        url = gone.url(MODEL)
    model = OpenAIRealtimeModel(MODEL, api_key="sk-test")
    model.websocket_url = url
    agent = RealtimeAgent("Voice", "Be brief.", model)
    raised: list[BaseException] = []

    async def talk() -> None:
        try:
            await agent.start(asyncio.Queue())
        except Exception as error:
            raised.append(error)

    asyncio.run(talk())

    # The server has gone: the connection is refused, as without otelscope.
    [error] = raised
    assert type(error) is ConnectionRefusedError
    [span] = traced.spans()
    assert span.name == "realtime_session Voice"
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes["error.type"] == "ConnectionRefusedError"
    assert span.attributes["otelscope.realtime.turn.count"] == 0


def test_a_second_start_without_stop_ends_the_first_session_cancelled(
    traced: Traced, server: FakeOpenAIRealtime
) -> None:
    agent = RealtimeAgent("Voice", "Be brief.", realtime_model(server))

    async def talk() -> None:
        await agent.start(asyncio.Queue())
        # AgentScope leaves the first connection open: closed here, so that
        # the server can stop.
        first_socket = agent.model._websocket
        await agent.start(asyncio.Queue())
        await agent.stop()
        await first_socket.close()

    asyncio.run(talk())

    first, second = sorted(traced.spans(), key=lambda span: span.start_time)
    assert first.attributes["error.type"] == "cancelled"
    assert second.status.status_code == StatusCode.UNSET
    assert first.context.trace_id != second.context.trace_id


def test_overlapping_sessions_of_two_agents_keep_their_own_turns(traced: Traced) -> None:
    with running(FakeOpenAIRealtime()) as north, running(FakeOpenAIRealtime()) as south:
        north.script(
            Turn(text="Cold", response_id="north-1"), Turn(text="Snow", response_id="north-2")
        )
        south.script(
            Turn(text="Warm", response_id="south-1"), Turn(text="Sun", response_id="south-2")
        )
        agents = {
            "North": RealtimeAgent("North", "Be brief.", realtime_model(north)),
            "South": RealtimeAgent("South", "Be brief.", realtime_model(south)),
        }

        questions = (Exchange(typed("weather?"), DONE), Exchange(typed("tomorrow?"), DONE))

        async def both() -> None:
            await asyncio.gather(*(conversation(agent, *questions) for agent in agents.values()))

        asyncio.run(both())

    roots = {root.attributes["gen_ai.agent.name"]: root for root in build_trees(traced.spans())}
    assert sorted(roots) == ["North", "South"]
    for name, root in roots.items():
        prefix = name.lower()
        assert [turn.attributes["otelscope.realtime.turn.id"] for turn in root.children] == [
            f"{prefix}-1",
            f"{prefix}-2",
        ]


def test_a_dropped_session_makes_no_spans_and_changes_nothing(server: FakeOpenAIRealtime) -> None:
    traced = Traced(sampler=ALWAYS_OFF)
    traced.instrument()
    server.script(Turn(tool_calls=(WEATHER_CALL,), response_id="resp-1"), Turn(text="Sunny"))
    agent = RealtimeAgent("Voice", "Be brief.", realtime_model(server), weather_toolkit())

    try:
        events = asyncio.run(conversation(agent, Exchange(audio(), DONE, count=2)))
    finally:
        traced.instrumentor.uninstrument()

    assert sum(isinstance(e, ServerEvents.AgentResponseToolResultEvent) for e in events) == 1
    assert traced.spans() == []
    [output] = server.sent("conversation.item.create")
    assert output["item"] == {
        "type": "function_call_output",
        "call_id": "call-weather-1",
        "output": [{"type": "text", "text": "Sunny in Oslo"}],
    }


def spoken(text: str, finish_reason: str) -> list[dict[str, Any]]:
    """What an agent turn records of what the agent said, with capture on."""
    part = {"type": "text", "content": text}
    return [{"role": "assistant", "parts": [part], "finish_reason": finish_reason}]


def test_with_capture_on_an_agent_turn_carries_what_the_agent_said(
    capture: Capture, server: FakeOpenAIRealtime
) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    server.script(
        Turn(
            text="Sunny in", response_id="resp-1", error=HttpError(500, "the model is overloaded")
        ),
        Turn(text="Sunny in Oslo", response_id="resp-2"),
    )
    agent = RealtimeAgent("Voice", "Be brief.", realtime_model(server))

    failing = Exchange(typed("weather?"), ServerEvents.AgentErrorEvent)
    asyncio.run(conversation(agent, failing, Exchange(typed("again?"), DONE)))

    failed, answered = capture.tree().children
    # What was said before the provider's error, and all of the answer.
    assert json.loads(failed.attributes["gen_ai.output.messages"]) == spoken("Sunny", "error")
    assert json.loads(answered.attributes["gen_ai.output.messages"]) == spoken(
        "Sunny in Oslo", "stop"
    )
    # Nothing else of the session is content.
    assert "gen_ai.output.messages" not in capture.tree().attributes


def test_with_capture_on_an_unfinished_turn_carries_what_was_said_until_the_end(
    capture: Capture, server: FakeOpenAIRealtime
) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    server.script(Turn(text="Let me look", tool_calls=(WEATHER_CALL,), response_id="resp-1"))
    agent = RealtimeAgent(
        "Voice", "Be brief.", realtime_model(server), weather_toolkit(asyncio.Event())
    )

    asyncio.run(conversation(agent, Exchange(typed("weather?"), DONE)))

    [turn] = capture.tree().children
    assert turn.attributes["error.type"] == "cancelled"
    assert json.loads(turn.attributes["gen_ai.output.messages"]) == spoken(
        "Let me look", "cancelled"
    )


def test_with_capture_on_events_only_a_turn_gathers_and_records_nothing(
    capture: Capture, server: FakeOpenAIRealtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Turns are not model calls: their content goes on spans only."""
    capture.instrument(capture_content="EVENT_ONLY")
    forbid_serializing(monkeypatch)
    server.script(Turn(text="Sunny in Oslo", response_id="resp-1"))
    agent = RealtimeAgent("Voice", "Be brief.", realtime_model(server))

    asyncio.run(conversation(agent, Exchange(typed("weather?"), DONE)))

    [turn] = capture.tree().children
    assert "gen_ai.output.messages" not in turn.attributes
    assert capture.records() == []

"""Streamed model responses on AgentScope 1.x (cumulative chunks)."""

from __future__ import annotations

import asyncio
import gc
import inspect
import logging

import pytest
from opentelemetry.trace import StatusCode

from tests.spantree import Node, build_trees
from tests.v1.kit import (
    BrokenStreamModel,
    Script,
    ScriptedChatModel,
    Step,
    call_with,
    current_script,
    formatted,
    make_agent,
    run_id,
    two_tool_rounds,
)

TTFC = "gen_ai.response.time_to_first_chunk"
# Chat spans inside an agent call carry its conversation (1.x: the run id); a
# model called directly, outside any call, carries none.
STREAM_CHAT = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "unknown",
    "gen_ai.request.model": "scripted-model",
    "gen_ai.request.stream": True,
}
MESSAGES = [{"role": "user", "content": "hi"}]


def duration_seconds(node: Node) -> float:
    return (node.span.end_time - node.span.start_time) / 1e9


def assert_time_to_first_chunk(node: Node) -> None:
    ttfc = node.attributes[TTFC]
    assert isinstance(ttfc, float)
    assert 0.0 <= ttfc <= duration_seconds(node)


def without_ttfc(node: Node) -> dict:
    return {k: v for k, v in node.attributes.items() if k != TTFC}


@pytest.fixture
def no_double_end(caplog):
    """The SDK logs a warning when a span is ended a second time."""
    with caplog.at_level(logging.WARNING, logger="opentelemetry.sdk.trace"):
        yield
    assert [r.getMessage() for r in caplog.records if "ended span" in r.getMessage()] == []


def test_streamed_reply_equals_unstreamed_and_chat_spans_describe_the_stream(traced) -> None:
    plain = asyncio.run(call_with(make_agent(), two_tool_rounds("Oslo")))
    traced.exporter.clear()

    streamed = asyncio.run(
        call_with(make_agent(model=ScriptedChatModel(stream=True)), two_tool_rounds("Oslo"))
    )

    assert streamed.get_text_content() == plain.get_text_content() == "Done Oslo"
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_agent Friday",
        [
            ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
            ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
            ("react step", [("chat scripted-model", [])]),
        ],
    )
    chats = root.find("chat scripted-model")
    # Each round formats the memory so far: system prompt and question, then
    # a tool call and its result more per round.
    for chat, input_messages in zip(chats, (2, 4, 6), strict=True):
        assert chat.status == StatusCode.UNSET
        assert_time_to_first_chunk(chat)
        # Usage comes from the last chunk: the earlier text chunks carry none.
        assert without_ttfc(chat) == {
            **STREAM_CHAT,
            **formatted(input_messages),
            "gen_ai.conversation.id": run_id(),
            "gen_ai.response.id": "resp-Oslo",
            "gen_ai.usage.input_tokens": 10,
            "gen_ai.usage.output_tokens": 5,
        }
    assert all(node.status == StatusCode.UNSET for node in root.walk())


def test_model_wrapper_returns_a_real_async_generator(traced) -> None:
    model = ScriptedChatModel(stream=True)

    async def main() -> list[str]:
        current_script.set(Script("gen", [Step(text="Hello world")]))
        stream = await model(MESSAGES)
        assert inspect.isasyncgen(stream)
        return [chunk.content[0]["text"] async for chunk in stream]

    texts = asyncio.run(main())

    assert texts == ["H", "Hello", "Hello wor", "Hello world"]
    [chat] = build_trees(traced.spans())
    assert chat.shape() == ("chat scripted-model", [])
    assert chat.status == StatusCode.UNSET
    assert_time_to_first_chunk(chat)
    assert without_ttfc(chat) == {
        **STREAM_CHAT,
        "gen_ai.response.id": "resp-gen",
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 5,
    }


def test_stream_closed_half_read_ends_the_span_once_as_cancelled(traced, no_double_end) -> None:
    model = ScriptedChatModel(stream=True)

    async def main() -> str:
        current_script.set(Script("half", [Step(text="Hello streaming world")]))
        stream = await model(MESSAGES)
        first = await anext(stream)
        assert traced.spans() == []  # still open while the consumer holds it
        await stream.aclose()
        await stream.aclose()  # closing again changes nothing
        return first.content[0]["text"]

    assert asyncio.run(main()) == "H"
    [chat] = build_trees(traced.spans())
    assert chat.shape() == ("chat scripted-model", [])
    assert chat.status == StatusCode.ERROR
    assert chat.span.status.description == "cancelled"
    assert_time_to_first_chunk(chat)
    assert without_ttfc(chat) == {**STREAM_CHAT, "error.type": "cancelled"}
    assert list(chat.span.events) == []


def test_stream_source_error_fails_the_spans_and_propagates_unchanged(
    traced, no_double_end
) -> None:
    boom = ValueError("stream broke")
    model = BrokenStreamModel(boom, good_chunks=2)
    agent = make_agent(model=model)

    with pytest.raises(ValueError) as caught:
        asyncio.run(call_with(agent, Script("sb", [Step(text="unused")])))

    assert caught.value is boom
    assert model.calls_made == 1
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_agent Friday", [("react step", [("chat broken-stream", [])])])
    [chat] = root.find("chat broken-stream")
    assert_time_to_first_chunk(chat)
    assert without_ttfc(chat) == {
        **STREAM_CHAT,
        "gen_ai.request.model": "broken-stream",
        "gen_ai.conversation.id": run_id(),
        **formatted(2),
        "error.type": "ValueError",
    }
    for node in root.walk():
        assert node.status == StatusCode.ERROR
        assert node.span.status.description == "ValueError: stream broke"
        assert node.attributes["error.type"] == "ValueError"
        [event] = node.span.events
        assert event.name == "exception"


def test_stream_abandoned_without_aclose_ends_when_collected(traced, no_double_end) -> None:
    model = ScriptedChatModel(stream=True)

    async def main() -> None:
        current_script.set(Script("gc", [Step(text="Hello streaming world")]))
        stream = await model(MESSAGES)
        await anext(stream)
        del stream
        gc.collect()
        for _ in range(5):
            await asyncio.sleep(0)

    asyncio.run(main())  # asyncio.run also calls loop.shutdown_asyncgens()

    [chat] = build_trees(traced.spans())
    assert chat.shape() == ("chat scripted-model", [])
    assert chat.status == StatusCode.ERROR
    assert without_ttfc(chat) == {**STREAM_CHAT, "error.type": "cancelled"}

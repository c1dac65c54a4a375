"""Streaming on AgentScope 2.x: streamed model responses, ``reply_stream``
and streaming tools.

A 2.x streaming model's ``_call_api`` returns an async generator of delta
chunks; ``ChatModelBase.__call__`` wraps it in its own generator that yields
the deltas and then one accumulated ``is_last`` chunk (with usage). The agent
tells a stream from a response with ``inspect.isasyncgen``.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from agentscope.message import TextBlock, ToolResultBlock, UserMsg

from tests.spantree import build_trees
from tests.v2.kit import (
    MidStreamFailingChatModel,
    OpenSpans,
    Script,
    ScriptedChatModel,
    Step,
    StreamBroke,
    assert_cancelled,
    assert_failed,
    assert_ok,
    call_with,
    conversation_id,
    current_script,
    make_agent,
    make_toolkit,
    no_middleware_left,
    reply_text,
    stream_weather,
)

TOOL_THEN_TEXT = (
    "invoke_agent Friday",
    [
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", [])]),
    ],
)
STREAM_ERROR_TYPE = "tests.v2.kit.StreamBroke"


def tool_then_text(tag: str = "Paris") -> Script:
    return Script(tag, [Step(tools=["get_weather"]), Step(text=f"It is sunny in {tag} today")])


def question() -> UserMsg:
    return UserMsg(name="user", content="weather?")


async def event_types(agent: Any, script: Script) -> list[str]:
    current_script.set(script)
    return [type(event).__name__ async for event in agent.reply_stream(question())]


def span_seconds(node: Any) -> float:
    return (node.span.end_time - node.span.start_time) / 1e9


def assert_streamed_chat(
    node: Any, response_id: str = "resp-Paris", conversation: str | None = None
) -> None:
    """A completed streamed chat span; ``conversation`` is the id it carries
    inside an agent call (a model called directly carries none)."""
    attributes = node.attributes
    first_chunk = attributes["gen_ai.response.time_to_first_chunk"]
    assert isinstance(first_chunk, float)
    assert 0 <= first_chunk <= span_seconds(node)
    assert attributes == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "unknown",
        "gen_ai.request.model": "scripted-model",
        "gen_ai.request.stream": True,
        "gen_ai.response.time_to_first_chunk": first_chunk,
        "gen_ai.response.id": response_id,
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 5,
        **({} if conversation is None else {"gen_ai.conversation.id": conversation}),
    }
    assert_ok(node)


# -- Streamed model responses inside an agent ---------------------------------


def test_a_streamed_reply_gives_the_same_text_and_tree_as_a_non_streamed_one(traced) -> None:
    plain = asyncio.run(call_with(make_agent(model=ScriptedChatModel()), tool_then_text()))
    [plain_root] = build_trees(traced.spans())
    traced.exporter.clear()

    agent = make_agent(model=ScriptedChatModel(stream=True))
    streamed = asyncio.run(call_with(agent, tool_then_text()))

    assert reply_text(streamed) == reply_text(plain) == "It is sunny in Paris today"
    assert streamed.usage == plain.usage
    [root] = build_trees(traced.spans())
    assert root.shape() == plain_root.shape() == TOOL_THEN_TEXT
    chats = root.find("chat scripted-model")
    assert len(chats) == 2
    for chat in chats:
        assert_streamed_chat(chat, conversation=conversation_id(agent))
    for node in root.walk():
        assert_ok(node)
    assert [r.attributes["gen_ai.react.finish_reason"] for r in root.children] == [
        "tool_calls",
        "stop",
    ]
    assert no_middleware_left(agent)


def test_reply_stream_yields_the_same_events_with_and_without_otelscope(traced) -> None:
    traced_events = asyncio.run(
        event_types(make_agent(model=ScriptedChatModel(stream=True)), tool_then_text())
    )
    [root] = build_trees(traced.spans())
    assert root.shape() == TOOL_THEN_TEXT
    traced.instrumentor.uninstrument()
    untraced_events = asyncio.run(
        event_types(make_agent(model=ScriptedChatModel(stream=True)), tool_then_text())
    )

    assert traced_events == untraced_events
    assert traced_events == [
        "ReplyStartEvent",
        "HintBlockEvent",
        "ModelCallStartEvent",
        "ToolCallStartEvent",
        "ToolCallDeltaEvent",
        "ToolCallEndEvent",
        "ModelCallEndEvent",
        "ToolResultStartEvent",
        "ToolResultTextDeltaEvent",
        "ToolResultEndEvent",
        "ModelCallStartEvent",
        "TextBlockStartEvent",
        *["TextBlockDeltaEvent"] * 7,
        "TextBlockEndEvent",
        "ModelCallEndEvent",
        "ReplyEndEvent",
    ]
    assert len(traced.spans()) == 6  # none from the untraced run


# -- Calling a streaming model directly ------------------------------------------


async def open_stream(model: Any, text: str) -> AsyncGenerator[Any, None]:
    current_script.set(Script("D", [Step(text=text)]))
    stream = await model([question()])
    assert inspect.isasyncgen(stream)  # 2.x's agent only iterates real async generators
    return stream


def test_a_direct_model_call_returns_a_real_async_generator_traced_from_its_last_chunk(
    traced,
) -> None:
    async def main() -> list[Any]:
        stream = await open_stream(ScriptedChatModel(stream=True), "abcdefghij")
        return [chunk async for chunk in stream]

    chunks = asyncio.run(main())

    assert [c.is_last for c in chunks] == [False, False, False, True]
    assert ["".join(b.text for b in c.content) for c in chunks] == [
        "abcd",
        "efgh",
        "ij",
        "abcdefghij",
    ]
    last = chunks[-1]
    [root] = build_trees(traced.spans())
    assert root.shape() == ("chat scripted-model", [])
    assert_streamed_chat(root, response_id="resp-D")
    # What the span reports is what the final accumulated chunk carries.
    assert root.attributes["gen_ai.response.id"] == last.id
    # AgentScope's own "completed" is its outcome, not a provider's finish
    # reason: a model with no provider SDK below it reports none.
    assert str(last.finished_reason) == "completed"
    assert "gen_ai.response.finish_reasons" not in root.attributes
    assert (
        root.attributes["gen_ai.usage.input_tokens"],
        root.attributes["gen_ai.usage.output_tokens"],
    ) == (last.usage.input_tokens, last.usage.output_tokens)
    assert [c.usage is None for c in chunks] == [True, True, True, False]


def test_a_stream_closed_half_read_ends_its_chat_span_once_as_cancelled(traced) -> None:
    open_spans = OpenSpans()
    traced.provider.add_span_processor(open_spans)

    async def main() -> Any:
        stream = await open_stream(ScriptedChatModel(stream=True), "abcdefghij")
        first = await anext(stream)
        assert traced.spans() == []  # still open while the consumer holds the stream
        await stream.aclose()
        await stream.aclose()  # closing again changes nothing
        return first

    first = asyncio.run(main())

    assert [b.text for b in first.content] == ["abcd"]
    assert open_spans.names() == []
    [span] = traced.spans()  # exported exactly once
    [root] = build_trees([span])
    assert_cancelled(root)
    first_chunk = root.attributes["gen_ai.response.time_to_first_chunk"]
    assert 0 <= first_chunk <= span_seconds(root)
    assert root.attributes == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "unknown",
        "gen_ai.request.model": "scripted-model",
        "gen_ai.request.stream": True,
        "gen_ai.response.time_to_first_chunk": first_chunk,
        "error.type": "cancelled",
    }


# -- A stream that raises -----------------------------------------------------------


def test_an_error_raised_mid_stream_fails_the_chat_span_and_propagates_unchanged(traced) -> None:
    error = StreamBroke("connection lost")
    model = MidStreamFailingChatModel(error, chunks_before=2)

    async def main() -> tuple[list[str], BaseException]:
        current_script.set(Script("D", [Step()]))
        stream = await model([question()])
        assert inspect.isasyncgen(stream)
        texts: list[str] = []
        with pytest.raises(StreamBroke) as raised:
            async for chunk in stream:
                texts.append("".join(b.text for b in chunk.content))
        return texts, raised.value

    texts, caught = asyncio.run(main())

    assert texts == ["part0 ", "part1 "]
    assert caught is error
    assert model.calls == 1
    [root] = build_trees(traced.spans())
    assert root.shape() == ("chat scripted-model", [])
    assert_failed(root, STREAM_ERROR_TYPE, "StreamBroke: connection lost", "connection lost")
    first_chunk = root.attributes["gen_ai.response.time_to_first_chunk"]
    assert root.attributes == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "unknown",
        "gen_ai.request.model": "scripted-model",
        "gen_ai.request.stream": True,
        "gen_ai.response.time_to_first_chunk": first_chunk,
        "error.type": STREAM_ERROR_TYPE,
    }


def test_an_error_raised_mid_stream_inside_an_agent_reaches_the_caller_unchanged(traced) -> None:
    seen = {}
    traced_spans: list[Any] = []
    for run in ("traced", "untraced"):
        error = StreamBroke("connection lost")
        model = MidStreamFailingChatModel(error)
        agent = make_agent(model=model)

        async def main(agent: Any = agent) -> BaseException:
            with pytest.raises(StreamBroke) as raised:
                await call_with(agent, Script("P", [Step()]))
            return raised.value

        caught = asyncio.run(main())
        assert caught is error
        seen[run] = (type(caught), caught.args, model.calls)
        assert no_middleware_left(agent)
        if run == "traced":
            traced_spans = traced.spans()
            traced.instrumentor.uninstrument()

    assert seen["traced"] == seen["untraced"] == (StreamBroke, ("connection lost",), 1)
    assert traced.spans() == traced_spans
    [root] = build_trees(traced_spans)
    assert root.shape() == ("invoke_agent Friday", [("react step", [("chat scripted-model", [])])])
    for node in root.walk():
        assert_failed(node, STREAM_ERROR_TYPE, "StreamBroke: connection lost", "connection lost")


# -- reply_stream abandoned by its consumer --------------------------------------------


async def abandon_after(
    agent: Any, script: Script, event_type: str, traced: Any
) -> tuple[list[str], list[Any]]:
    """Consume ``reply_stream`` up to the first event of ``event_type``, then
    stop and close it; returns the event types read and the spans that had
    ended when ``aclose()`` returned."""
    current_script.set(script)
    stream = agent.reply_stream(question())
    read: list[str] = []
    async for event in stream:
        read.append(type(event).__name__)
        if read[-1] == event_type:
            break
    await stream.aclose()
    # otelscope lets go of the agent as soon as the consumer closed the stream.
    assert no_middleware_left(agent)
    return read, traced.spans()


@pytest.fixture
def gc_off():
    """No cyclic garbage collection: 2.x's abandoned reply generators form
    reference cycles, and when the collector runs would decide when they close."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def test_reply_stream_abandoned_after_its_first_event_ends_the_call_cancelled(
    traced, gc_off
) -> None:
    open_spans = OpenSpans()
    traced.provider.add_span_processor(open_spans)
    agent = make_agent(model=ScriptedChatModel(stream=True))

    read, _ = asyncio.run(abandon_after(agent, tool_then_text(), "ReplyStartEvent", traced))

    assert read == ["ReplyStartEvent"]
    # The loop's shutdown closed the abandoned generators: every span ended.
    assert open_spans.names() == []
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_agent Friday", [])
    assert_cancelled(root)
    assert no_middleware_left(agent)


def test_reply_stream_abandoned_mid_model_stream_ends_every_span(traced, gc_off) -> None:
    open_spans = OpenSpans()
    traced.provider.add_span_processor(open_spans)
    agent = make_agent(model=ScriptedChatModel(stream=True))
    script = Script("P", [Step(text="It is sunny in Paris today")])

    read, _ = asyncio.run(abandon_after(agent, script, "TextBlockDeltaEvent", traced))

    assert read == [
        "ReplyStartEvent",
        "HintBlockEvent",
        "ModelCallStartEvent",
        "TextBlockStartEvent",
        "TextBlockDeltaEvent",
    ]
    assert script.calls_made == 1
    assert open_spans.names() == []
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_agent Friday", [("react step", [("chat scripted-model", [])])])
    assert_cancelled(root)
    assert_cancelled(root.children[0])
    assert_cancelled(root.children[0].children[0])


def test_reply_stream_abandoned_ends_the_call_span_by_the_time_aclose_returns(
    traced, gc_off
) -> None:
    agent = make_agent(model=ScriptedChatModel(stream=True))

    _, spans_when_closed = asyncio.run(
        abandon_after(agent, tool_then_text(), "ReplyStartEvent", traced)
    )

    assert [s.name for s in spans_when_closed] == ["invoke_agent Friday"]
    assert_cancelled(build_trees(spans_when_closed)[0])


# -- A streaming tool -------------------------------------------------------------------


def test_a_streaming_tool_runs_inside_its_execute_tool_span(traced) -> None:
    def tool_script() -> Script:
        return Script("Oslo", [Step(tools=["stream_weather"]), Step(text="Done")])

    agent = make_agent(toolkit=make_toolkit(stream_weather))
    script = tool_script()
    traced_events = asyncio.run(event_types(agent, script))
    traced_spans = traced.spans()
    traced.instrumentor.uninstrument()
    untraced_script = tool_script()
    untraced_events = asyncio.run(
        event_types(make_agent(toolkit=make_toolkit(stream_weather)), untraced_script)
    )

    assert traced_events == untraced_events
    assert traced_events.count("ToolResultTextDeltaEvent") == 3
    results = [b for m in agent.state.context for b in m.content if isinstance(b, ToolResultBlock)]
    assert [
        (str(r.state), [b.text for b in r.output if isinstance(b, TextBlock)]) for r in results
    ] == [("success", ["Sunny in Oslo"])]
    [root] = build_trees(traced_spans)
    assert root.shape() == (
        "invoke_agent Friday",
        [
            ("react step", [("chat scripted-model", []), ("execute_tool stream_weather", [])]),
            ("react step", [("chat scripted-model", [])]),
        ],
    )
    for node in root.walk():
        assert_ok(node)
    [tool] = root.find("execute_tool stream_weather")
    assert tool.attributes == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "stream_weather",
        "gen_ai.tool.call.id": "Oslo-1-0",
        "gen_ai.tool.type": "function",
        "gen_ai.tool.description": "Stream the weather of a city.",
        "gen_ai.conversation.id": conversation_id(agent),
    }
    # Every step of the tool's generator ran under its execute_tool span.
    assert script.tool_parents == [tool.span.context.span_id] * 3
    assert len(untraced_script.tool_parents) == 3

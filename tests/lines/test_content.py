"""Message content capture on both AgentScope lines: what each span and
inference event records in every capture mode, redaction, truncation, and
what must never be recorded (anything at all when capture is off;
credentials ever). What the content looks like on each line is in its
``content_kit``; what only one line does is in ``tests/v1/test_content.py``
and ``tests/v2/test_content.py``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import pytest

from otelscope.core import content, guard
from tests.content_expectations import (
    ARGUMENTS,
    CHAT_KEYS,
    CONTENT_KEYS,
    EVENT_NAME,
    INPUT,
    OUTPUT,
    RESULT,
    SECRET,
    Serialized,
    content_of,
    cut,
    forbid_serializing,
    raw_content_of,
)
from tests.lines.line import kit, line_kit
from tests.spantree import Node, build_trees

# How the line's content looks, and the models that make it.
content_kit = line_kit("content_kit")


@pytest.fixture(autouse=True)
def hold_still(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs of a call record the same content."""
    content_kit.hold_still(monkeypatch)


def run_call(agent: Any = None, script: Any = None) -> tuple[Any, Any]:
    """One call of ``agent`` (a new one by default) with one tool round
    ("Paris"): the agent and its reply."""
    agent = agent if agent is not None else kit.make_agent()
    return agent, asyncio.run(kit.call_with(agent, script or kit.one_tool_round("Paris")))


def span_names(root: Node) -> list[str]:
    return [node.name for node in root.walk()]


NAMES = [
    "invoke_agent Friday",
    "react step",
    "chat scripted-model",
    "execute_tool get_weather",
    "react step",
    "chat scripted-model",
]


# -- The capture modes -----------------------------------------------------------


def test_span_only_records_the_exact_content_on_every_span(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    agent, reply = run_call()

    assert kit.reply_text(reply) == "Done Paris"
    root = capture.tree()
    assert [(node.name, content_of(node.attributes)) for node in root.walk()] == (
        content_kit.expected_spans(agent)
    )
    assert capture.records() == []


@pytest.mark.parametrize("mode", [None, "NO_CONTENT"])
def test_no_content_records_no_content_attribute_and_no_event(capture, mode) -> None:
    capture.instrument(**({} if mode is None else {"capture_content": mode}))
    run_call()

    root = capture.tree()
    assert span_names(root) == NAMES
    for node in root.walk():
        assert raw_content_of(node.attributes) == {}, node.name
    assert capture.records() == []


@pytest.mark.parametrize("mode", ["EVENT_ONLY", "SPAN_AND_EVENT"])
def test_event_modes_emit_one_inference_event_per_chat_span(capture, mode) -> None:
    capture.instrument(capture_content=mode)
    agent, _ = run_call()

    expected = content_kit.expected_spans(agent)
    assert [name for name, _ in expected] == NAMES
    root = capture.tree()
    assert span_names(root) == NAMES
    chats = root.find("chat scripted-model")
    records = capture.records()
    assert len(records) == len(chats) == 2
    chat_content = [values for name, values in expected if name.startswith("chat")]
    for chat, record, values in zip(chats, records, chat_content, strict=True):
        assert record.event_name == EVENT_NAME
        assert record.trace_id == chat.span.context.trace_id
        assert record.span_id == chat.span.context.span_id
        assert record.body is None
        attributes = dict(record.attributes)
        assert content_of(attributes) == values
        # Besides the content: what identifies the call, as on its metrics.
        assert {k: v for k, v in attributes.items() if k not in CONTENT_KEYS} == {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "unknown",
            "gen_ai.request.model": "scripted-model",
        }
        if mode == "SPAN_AND_EVENT":
            assert raw_content_of(chat.attributes) == raw_content_of(attributes)
    if mode == "EVENT_ONLY":
        for node in root.walk():
            assert raw_content_of(node.attributes) == {}, node.name
    else:
        assert [(node.name, content_of(node.attributes)) for node in root.walk()] == expected


def test_the_environment_switches_capture_on(capture, monkeypatch) -> None:
    monkeypatch.setenv(content.CAPTURE_ENV, "span_and_event")
    monkeypatch.setenv(content.MAX_LENGTH_ENV, "12")
    capture.instrument()
    run_call()

    root = capture.tree()
    tool = root.find("execute_tool get_weather")[0]
    assert raw_content_of(tool.attributes) == {
        ARGUMENTS: '{"city": "Pa...[truncated 5 characters]',
        RESULT: "Sunny in Par...[truncated 2 characters]",
    }
    assert len(capture.records()) == 2


def test_tool_results_are_recorded_in_tool_messages(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    run_call()

    second = capture.tree().find("chat scripted-model")[1]
    recorded = content_of(second.attributes)[INPUT]
    roles_of_results = [
        message["role"]
        for message in recorded
        for part in message["parts"]
        if part["type"] == "tool_call_response"
    ]
    assert roles_of_results == ["tool"]


# -- Nothing is built when capture is off ----------------------------------------


def test_capture_off_serializes_nothing(capture, monkeypatch) -> None:
    forbid_serializing(monkeypatch)
    capture.instrument()
    _, reply = run_call()

    assert kit.reply_text(reply) == "Done Paris"
    assert guard.take_internal_errors() == []
    assert span_names(capture.tree()) == NAMES


def test_the_forbidden_serializers_are_the_ones_capture_uses(capture, monkeypatch) -> None:
    """The control for the test above: with capture on, the same patches are
    hit (and otelscope's failure still leaves the call untouched)."""
    forbid_serializing(monkeypatch)
    capture.instrument(capture_content="SPAN_ONLY")
    _, reply = run_call()

    assert kit.reply_text(reply) == "Done Paris"
    errors = guard.take_internal_errors()
    assert errors != []
    assert all(isinstance(error, Serialized) for error in errors)


# -- Redaction and truncation ------------------------------------------------------


def test_redaction_applies_to_every_content_attribute_and_event(capture) -> None:
    seen: list[str] = []

    def redact(key: str, value: str) -> str:
        seen.append(key)
        return value.replace("Paris", "[city]")

    capture.instrument(capture_content="SPAN_AND_EVENT", redact=redact)
    agent = kit.make_agent(model=content_kit.CityModel())
    reply = asyncio.run(kit.reply_to(agent, "Weather in Paris?"))

    assert kit.reply_text(reply) == "It is sunny in Paris."
    exported = capture.exported()
    assert "Paris" not in exported
    assert "[city]" in exported
    root = capture.tree()
    user = {"role": "user", "parts": [{"type": "text", "content": "Weather in [city]?"}]}
    answer = {"role": "assistant", "parts": [{"type": "text", "content": "It is sunny in [city]."}]}
    call = {"type": "tool_call", "id": "call-1", "name": "get_weather"}
    assert content_of(root.attributes) == {INPUT: [user], OUTPUT: [answer]}
    [tool] = root.find("execute_tool get_weather")
    assert content_of(tool.attributes) == {
        ARGUMENTS: {"city": "[city]"},
        RESULT: "Sunny in [city]",
    }
    first, second = root.find(content_kit.CITY_CHAT)
    assert content_of(first.attributes)[OUTPUT] == [
        {
            "role": "assistant",
            "parts": [{**call, "arguments": {"city": "[city]"}}],
            **content_kit.FINISH,
        }
    ]
    assert content_of(second.attributes)[OUTPUT] == [{**answer, **content_kit.FINISH}]
    records = capture.records()
    assert [raw_content_of(r.attributes) for r in records] == [
        raw_content_of(first.attributes),
        raw_content_of(second.attributes),
    ]
    # Once per value: agent input and output, four per chat, tool arguments and result.
    assert sorted(seen) == sorted([INPUT, OUTPUT] + list(CHAT_KEYS) * 2 + [ARGUMENTS, RESULT])


def test_a_failing_redactor_drops_every_value_and_records_the_errors(capture) -> None:
    def redact(key: str, value: str) -> str:
        raise RuntimeError("redactor down")

    capture.instrument(capture_content="SPAN_AND_EVENT", redact=redact)
    _, reply = run_call()

    assert kit.reply_text(reply) == "Done Paris"
    errors = guard.take_internal_errors()
    # agent input and output, four per chat, tool arguments and result
    assert len(errors) == 2 + 4 * 2 + 2
    assert all(str(error) == "redactor down" for error in errors)
    root = capture.tree()
    assert span_names(root) == NAMES
    for node in root.walk():
        assert raw_content_of(node.attributes) == {}, node.name
    # A chat with no content left emits no event.
    assert capture.records() == []


def test_truncation_applies_everywhere_content_is_recorded(capture) -> None:
    capture.instrument(capture_content="SPAN_AND_EVENT")
    run_call()
    full_spans = [raw_content_of(node.attributes) for node in capture.tree().walk()]
    full_events = [raw_content_of(record.attributes) for record in capture.records()]
    capture.uninstrument()
    capture.clear()

    capture.instrument(capture_content="SPAN_AND_EVENT", max_content_length=40)
    run_call()
    spans = [raw_content_of(node.attributes) for node in capture.tree().walk()]
    events = [raw_content_of(record.attributes) for record in capture.records()]

    assert spans == [{k: cut(v, 40) for k, v in values.items()} for values in full_spans]
    assert events == [{k: cut(v, 40) for k, v in values.items()} for values in full_events]
    assert len(events) == 2
    root = capture.tree()
    assert root.attributes[INPUT] == (
        '[{"role": "user", "parts": [{"type": "te...[truncated 30 characters]'
    )
    [tool] = root.find("execute_tool get_weather")
    # Short values are kept whole.
    assert raw_content_of(tool.attributes) == {
        ARGUMENTS: '{"city": "Paris"}',
        RESULT: "Sunny in Paris",
    }
    truncated = [v for values in spans + events for v in values.values() if len(v) > 40]
    assert len(truncated) == 2 + 4 * 2 * 2
    assert all(v[:40] + "...[truncated " == v[: 40 + len("...[truncated ")] for v in truncated)


# -- Credentials are never recorded ------------------------------------------------


@pytest.mark.parametrize("kind", ["scripted", "openai"])
def test_credentials_in_the_model_are_never_exported(capture, kind) -> None:
    model = content_kit.secret_model(kind)
    capture.instrument(capture_content="SPAN_AND_EVENT")
    _, reply = run_call(kit.make_agent(model=model))

    assert kit.reply_text(reply) == "Done Paris"
    exported = capture.exported()
    assert SECRET not in exported
    assert "SECRET" not in exported
    # The export did hold content, events and metrics.
    assert '\\"content\\": \\"Done Paris\\"' in exported
    assert EVENT_NAME in exported
    assert "gen_ai.client.operation.duration" in exported


# -- Streaming -----------------------------------------------------------------------


def test_a_streamed_response_records_its_output_from_the_final_chunk(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    agent, reply = run_call(kit.make_agent(model=content_kit.streaming_model()))

    assert kit.reply_text(reply) == "Done Paris"
    root = capture.tree()
    assert [(node.name, content_of(node.attributes)) for node in root.walk()] == (
        content_kit.expected_spans(agent)
    )
    chats = root.find("chat scripted-model")
    assert [chat.attributes["gen_ai.request.stream"] for chat in chats] == [True, True]


def test_a_model_streamed_directly_records_the_accumulated_text(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    model = content_kit.streaming_model()

    async def consume() -> list[Any]:
        kit.current_script.set(kit.Script(tag="x", steps=[kit.Step(text="A long streamed answer")]))
        stream = await model(kit.model_input("hi"))
        return [chunk async for chunk in stream]

    chunks = asyncio.run(consume())
    assert content_kit.streamed_text(chunks) == "A long streamed answer"
    assert len(chunks) > 2
    [chat] = build_trees(capture.traced.spans())
    assert content_of(chat.attributes) == {
        INPUT: [{"role": "user", "parts": [{"type": "text", "content": "hi"}]}],
        OUTPUT: [
            {
                "role": "assistant",
                "parts": [{"type": "text", "content": "A long streamed answer"}],
                **content_kit.FINISH,
            }
        ],
    }


def test_a_stream_closed_early_records_no_output(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    model = content_kit.streaming_model()

    async def take_one() -> None:
        kit.current_script.set(kit.Script(tag="x", steps=[kit.Step(text="A long streamed answer")]))
        stream: AsyncGenerator[Any, None] = await model(kit.model_input("hi"))
        await stream.__anext__()
        await stream.aclose()

    asyncio.run(take_one())
    [chat] = build_trees(capture.traced.spans())
    assert content_of(chat.attributes) == {
        INPUT: [{"role": "user", "parts": [{"type": "text", "content": "hi"}]}],
    }

"""Message content capture on AgentScope 1.x: what each span and inference
event records in every capture mode, redaction, truncation, and what must
never be recorded (anything at all when capture is off; credentials ever)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from agentscope.formatter import AnthropicChatFormatter, GeminiChatFormatter
from agentscope.message import Msg, TextBlock, ToolUseBlock
from agentscope.model import ChatModelBase, ChatResponse, OpenAIChatModel

from otelscope.core import content, guard
from tests.content_expectations import (
    ANSWER,
    ARGUMENTS,
    CALL,
    CHAT_KEYS,
    CONTENT_KEYS,
    EVENT_NAME,
    INPUT,
    OUTPUT,
    RESPONSE,
    RESULT,
    SECRET,
    SYSTEM,
    SYSTEM_PARTS,
    TOOL_DEFINITIONS,
    TOOLS,
    USER,
    Capture,
    Serialized,
    content_of,
    cut,
    decoded,
    forbid_serializing,
    raw_content_of,
)
from tests.spantree import Node, build_trees
from tests.v1.kit import (
    Script,
    ScriptedChatModel,
    Step,
    call_with,
    current_script,
    make_agent,
    one_tool_round,
    usage,
)

# -- What one call with one tool round records ----------------------------------


# 1.x responses report no finish reason: the output messages carry none.
FIRST_CHAT = {
    SYSTEM: SYSTEM_PARTS,
    INPUT: [USER],
    TOOLS: TOOL_DEFINITIONS,
    OUTPUT: [{"role": "assistant", "parts": [CALL]}],
}
SECOND_CHAT = {
    SYSTEM: SYSTEM_PARTS,
    INPUT: [USER, {"role": "assistant", "parts": [CALL]}, {"role": "tool", "parts": [RESPONSE]}],
    TOOLS: TOOL_DEFINITIONS,
    OUTPUT: [ANSWER],
}
# Every span of the call in depth-first order, with the content it records.
EXPECTED = [
    ("invoke_agent Friday", {INPUT: [USER], OUTPUT: [ANSWER]}),
    ("react step", {}),
    ("chat scripted-model", FIRST_CHAT),
    # The tool's text result is recorded as the text itself, not as JSON.
    ("execute_tool get_weather", {ARGUMENTS: {"city": "Paris"}, RESULT: "Sunny in Paris"}),
    ("react step", {}),
    ("chat scripted-model", SECOND_CHAT),
]


# -- Fixture: instrumented by the test itself, with an event logger ------------


def run_call(agent: Any = None, script: Script | None = None) -> Msg:
    agent = agent if agent is not None else make_agent()
    return asyncio.run(call_with(agent, script or one_tool_round("Paris")))


def assert_tree_shape(root: Node) -> None:
    assert [node.name for node in root.walk()] == [name for name, _ in EXPECTED]


# -- The capture modes -----------------------------------------------------------


def test_span_only_records_the_exact_content_on_every_span(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    reply = run_call()

    assert reply.get_text_content() == "Done Paris"
    root = capture.tree()
    assert [(node.name, content_of(node.attributes)) for node in root.walk()] == EXPECTED
    assert capture.records() == []


@pytest.mark.parametrize("mode", [None, "NO_CONTENT"])
def test_no_content_records_no_content_attribute_and_no_event(capture, mode) -> None:
    capture.instrument(**({} if mode is None else {"capture_content": mode}))
    run_call()

    root = capture.tree()
    assert_tree_shape(root)
    for node in root.walk():
        assert raw_content_of(node.attributes) == {}, node.name
    assert capture.records() == []


@pytest.mark.parametrize("mode", ["EVENT_ONLY", "SPAN_AND_EVENT"])
def test_event_modes_emit_one_inference_event_per_chat_span(capture, mode) -> None:
    capture.instrument(capture_content=mode)
    run_call()

    root = capture.tree()
    assert_tree_shape(root)
    chats = root.find("chat scripted-model")
    records = capture.records()
    assert len(records) == len(chats) == 2
    for chat, record, expected in zip(chats, records, [FIRST_CHAT, SECOND_CHAT], strict=True):
        assert record.event_name == EVENT_NAME
        assert record.trace_id == chat.span.context.trace_id
        assert record.span_id == chat.span.context.span_id
        assert record.body is None
        attributes = dict(record.attributes)
        assert content_of(attributes) == expected
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
        assert [(node.name, content_of(node.attributes)) for node in root.walk()] == EXPECTED


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


# -- Nothing is built when capture is off ----------------------------------------


def test_capture_off_serializes_nothing(capture, monkeypatch) -> None:
    forbid_serializing(monkeypatch)
    capture.instrument()
    reply = run_call()

    assert reply.get_text_content() == "Done Paris"
    assert guard.take_internal_errors() == []
    assert_tree_shape(capture.tree())


def test_the_forbidden_serializers_are_the_ones_capture_uses(capture, monkeypatch) -> None:
    """The control for the test above: with capture on, the same patches are
    hit (and otelscope's failure still leaves the call untouched)."""
    forbid_serializing(monkeypatch)
    capture.instrument(capture_content="SPAN_ONLY")
    reply = run_call()

    assert reply.get_text_content() == "Done Paris"
    errors = guard.take_internal_errors()
    assert errors != []
    assert all(isinstance(error, Serialized) for error in errors)


# -- Redaction and truncation ------------------------------------------------------


class CityModel(ChatModelBase):
    """Asks for the weather in Paris, then answers; no id names the city, so
    the city appears only in message content."""

    def __init__(self) -> None:
        super().__init__(model_name="city-model", stream=False)
        self.calls = 0

    async def __call__(self, messages: list[dict], *args: Any, **kwargs: Any) -> ChatResponse:
        self.calls += 1
        if self.calls == 1:
            block = ToolUseBlock(
                type="tool_use", id="call-1", name="get_weather", input={"city": "Paris"}
            )
            return ChatResponse(content=[block], usage=usage(), id="resp-1")
        text = TextBlock(type="text", text="It is sunny in Paris.")
        return ChatResponse(content=[text], usage=usage(), id="resp-2")


def test_redaction_applies_to_every_content_attribute_and_event(capture) -> None:
    seen: list[str] = []

    def redact(key: str, value: str) -> str:
        seen.append(key)
        return value.replace("Paris", "[city]")

    capture.instrument(capture_content="SPAN_AND_EVENT", redact=redact)
    agent = make_agent(model=CityModel())
    reply = asyncio.run(agent(Msg("user", "Weather in Paris?", "user")))

    assert reply.get_text_content() == "It is sunny in Paris."
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
    first, second = root.find("chat city-model")
    assert content_of(first.attributes)[OUTPUT] == [
        {"role": "assistant", "parts": [{**call, "arguments": {"city": "[city]"}}]}
    ]
    assert content_of(second.attributes)[OUTPUT] == [answer]
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
    reply = run_call()

    assert reply.get_text_content() == "Done Paris"
    errors = guard.take_internal_errors()
    # agent input and output, four per chat, tool arguments and result
    assert len(errors) == 2 + 4 * 2 + 2
    assert all(str(error) == "redactor down" for error in errors)
    root = capture.tree()
    assert_tree_shape(root)
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


class SecretOpenAIModel(OpenAIChatModel):
    """A real OpenAI model object (client built with the key), answering from
    the script instead of the network."""

    async def __call__(
        self, messages: list[dict], tools: Any = None, tool_choice: Any = None, **kwargs: Any
    ) -> Any:
        return await ScriptedChatModel.__call__(self, messages, tools, tool_choice, **kwargs)


def secret_models() -> list[ChatModelBase]:
    scripted = ScriptedChatModel(extra_headers={"Authorization": f"Bearer {SECRET}"})
    scripted.api_key = SECRET
    scripted.client_kwargs = {"api_key": SECRET, "default_headers": {"X-Api-Key": SECRET}}
    # The client's options were `client_args` before they became `client_kwargs`.
    parameters = inspect.signature(OpenAIChatModel.__init__).parameters
    client_option = "client_kwargs" if "client_kwargs" in parameters else "client_args"
    openai_model = SecretOpenAIModel(
        model_name="scripted-model",
        api_key=SECRET,
        stream=False,
        generate_kwargs={"temperature": 0.1, "extra_headers": {"X-Api-Key": SECRET}},
        **{client_option: {"default_headers": {"Authorization": f"Bearer {SECRET}"}}},
    )
    return [scripted, openai_model]


@pytest.mark.parametrize("model_index", [0, 1], ids=["scripted", "openai"])
def test_credentials_in_the_model_are_never_exported(capture, model_index) -> None:
    model = secret_models()[model_index]
    capture.instrument(capture_content="SPAN_AND_EVENT")
    reply = run_call(make_agent(model=model))

    assert reply.get_text_content() == "Done Paris"
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
    reply = run_call(make_agent(model=ScriptedChatModel(stream=True)))

    assert reply.get_text_content() == "Done Paris"
    root = capture.tree()
    assert [(node.name, content_of(node.attributes)) for node in root.walk()] == EXPECTED
    assert [
        node.attributes["gen_ai.request.stream"] for node in root.find("chat scripted-model")
    ] == [
        True,
        True,
    ]


def test_a_model_streamed_directly_records_the_accumulated_text(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    model = ScriptedChatModel(stream=True)

    async def consume() -> list[str]:
        current_script.set(Script(tag="x", steps=[Step(text="A long streamed answer")]))
        stream = await model([{"role": "user", "content": "hi"}])
        return [chunk.content[0]["text"] async for chunk in stream]

    texts = asyncio.run(consume())
    assert texts[-1] == "A long streamed answer"
    assert len(texts) > 2
    [chat] = build_trees(capture.traced.spans())
    assert content_of(chat.attributes) == {
        INPUT: [{"role": "user", "parts": [{"type": "text", "content": "hi"}]}],
        OUTPUT: [
            {"role": "assistant", "parts": [{"type": "text", "content": "A long streamed answer"}]}
        ],
    }


def test_a_stream_closed_early_records_no_output(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    model = ScriptedChatModel(stream=True)

    async def take_one() -> None:
        current_script.set(Script(tag="x", steps=[Step(text="A long streamed answer")]))
        stream: AsyncGenerator[Any, None] = await model([{"role": "user", "content": "hi"}])
        await stream.__anext__()
        await stream.aclose()

    asyncio.run(take_one())
    [chat] = build_trees(capture.traced.spans())
    assert content_of(chat.attributes) == {
        INPUT: [{"role": "user", "parts": [{"type": "text", "content": "hi"}]}],
    }


# -- Formatters other than OpenAI's --------------------------------------------------


def second_chat_input(capture: Capture, formatter: Any) -> list[Any]:
    capture.instrument(capture_content="SPAN_ONLY")
    agent = make_agent()
    agent.formatter = formatter
    run_call(agent)
    second = capture.tree().find("chat scripted-model")[1]
    return decoded(INPUT, second.attributes[INPUT])


def test_anthropic_formatted_tool_results_keep_their_id_and_response(capture) -> None:
    recorded = second_chat_input(capture, AnthropicChatFormatter())
    assert recorded[-1] == {"role": "tool", "parts": [RESPONSE]}


def test_gemini_formatted_messages_keep_their_text(capture) -> None:
    recorded = second_chat_input(capture, GeminiChatFormatter())
    assert {"type": "text", "content": "weather?"} in [
        part for message in recorded for part in message["parts"]
    ]

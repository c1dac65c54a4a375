"""Message content capture on AgentScope 2.x: the conventions' shape of the
real 2.x blocks, what each span and inference event records in every capture
mode, redaction, truncation, and what must never be recorded (anything at
all when capture is off; credentials ever)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime, tzinfo
from typing import Any

import agentscope.agent._agent as agent_module
import pytest
from agentscope.credential import CredentialBase, OpenAICredential
from agentscope.message import (
    AssistantMsg,
    Base64Source,
    DataBlock,
    HintBlock,
    Msg,
    SystemMsg,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
    ToolResultBlock,
    URLSource,
    UserMsg,
)
from agentscope.middleware import MiddlewareBase
from agentscope.model import ChatModelBase, ChatResponse, OpenAIChatModel

from otelscope.agentscope_common.messages import chat_input, chat_output, to_messages, to_part
from otelscope.core import content, guard
from otelscope.core.content import CaptureMode, ContentPolicy
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
    Serialized,
    content_of,
    cut,
    forbid_serializing,
    raw_content_of,
)
from tests.spantree import Node, build_trees
from tests.v2.kit import (
    Script,
    ScriptedChatModel,
    Step,
    call_with,
    current_script,
    make_agent,
    one_tool_round,
    reply_text,
    usage,
)

FROZEN_TIME = "2026-01-02T03:04:05"


# -- The 2.x blocks in the conventions' shape ------------------------------------


def test_real_2x_blocks_in_the_conventions_shape() -> None:
    assert to_part(TextBlock(text="Hello")) == {"type": "text", "content": "Hello"}
    assert to_part(ThinkingBlock(thinking="Hmm")) == {"type": "reasoning", "content": "Hmm"}
    assert to_part(HintBlock(hint="remember", source="s")) == {
        "type": "text",
        "content": "remember",
    }
    listed_hint = HintBlock(hint=[TextBlock(text="a"), TextBlock(text="b")], source="s")
    assert to_part(listed_hint) == {"type": "text", "content": "a\nb"}
    call = ToolCallBlock(id="c1", name="get_weather", input='{"city": "Paris"}')
    assert to_part(call) == {
        "type": "tool_call",
        "id": "c1",
        "name": "get_weather",
        "arguments": {"city": "Paris"},
    }
    # Arguments that are not JSON (yet: a streamed call) stay as they are.
    partial = ToolCallBlock(id="c2", name="get_weather", input='{"city": "Par')
    assert to_part(partial)["arguments"] == '{"city": "Par'
    assert to_part(ToolCallBlock(id="c3", name="now", input="{}"))["arguments"] == {}


def test_real_2x_tool_results_and_data_blocks() -> None:
    text_result = ToolResultBlock(id="c1", name="get_weather", output="Sunny", state="success")
    assert to_part(text_result) == {
        "type": "tool_call_response",
        "id": "c1",
        "response": "Sunny",
    }
    texts = ToolResultBlock(
        id="c1", name="f", output=[TextBlock(text="a"), TextBlock(text="b")], state="success"
    )
    assert to_part(texts)["response"] == "a\nb"
    image = DataBlock(source=URLSource(url="https://x.test/cat.png", media_type="image/png"))
    assert to_part(image) == {
        "type": "uri",
        "modality": "image",
        "uri": "https://x.test/cat.png",
        "mime_type": "image/png",
    }
    audio = DataBlock(source=Base64Source(data="UklGRg==", media_type="audio/wav"))
    assert to_part(audio) == {
        "type": "blob",
        "modality": "audio",
        "content": "UklGRg==",
        "mime_type": "audio/wav",
    }
    mixed = ToolResultBlock(id="c2", name="f", output=[TextBlock(text="see"), image])
    assert to_part(mixed)["response"] == [
        {"type": "text", "content": "see"},
        {
            "type": "uri",
            "modality": "image",
            "uri": "https://x.test/cat.png",
            "mime_type": "image/png",
        },
    ]


def test_real_2x_messages_in_the_conventions_shape() -> None:
    result = ToolResultBlock(id="c1", name="f", output="ok", state="success")
    converted = to_messages(
        [
            SystemMsg(name="system", content="Be brief."),
            UserMsg(name="user", content="hi"),
            AssistantMsg(name="Friday", content=[ThinkingBlock(thinking="t"), TextBlock(text="x")]),
            AssistantMsg(name="Friday", content=[result]),
        ]
    )
    assert converted == [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
        {"role": "user", "parts": [{"type": "text", "content": "hi"}]},
        {
            "role": "assistant",
            "parts": [{"type": "reasoning", "content": "t"}, {"type": "text", "content": "x"}],
        },
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": "ok"}]},
    ]
    rendered = ContentPolicy(CaptureMode.SPAN_ONLY).render(
        INPUT,
        chat_input([SystemMsg(name="system", content="S"), UserMsg(name="u", content="q")], None)[
            INPUT
        ],
    )
    assert rendered == '[{"role": "user", "parts": [{"type": "text", "content": "q"}]}]'
    assert chat_output([TextBlock(text="Done")], "completed") == {
        OUTPUT: [
            {
                "role": "assistant",
                "parts": [{"type": "text", "content": "Done"}],
                "finish_reason": "completed",
            }
        ]
    }


# -- What one call with one tool round records -------------------------------------


def expected_spans(hint: str) -> list[tuple[str, dict[str, Any]]]:
    """Every span of the call in depth-first order, with the content it
    records. 2.x gives the model its own messages: the agent's runtime-state
    hint, the tool call and its result are blocks of one assistant message."""
    reminder = {"type": "text", "content": hint}
    first_chat = {
        SYSTEM: SYSTEM_PARTS,
        INPUT: [USER, {"role": "assistant", "parts": [reminder]}],
        TOOLS: TOOL_DEFINITIONS,
        OUTPUT: [{"role": "assistant", "parts": [CALL], "finish_reason": "completed"}],
    }
    second_chat = {
        SYSTEM: SYSTEM_PARTS,
        # 2.x keeps the result in the calling assistant message; it is
        # recorded as a tool message, as the provider receives it.
        INPUT: [
            USER,
            {"role": "assistant", "parts": [reminder, CALL]},
            {"role": "tool", "parts": [RESPONSE]},
        ],
        TOOLS: TOOL_DEFINITIONS,
        OUTPUT: [{**ANSWER, "finish_reason": "completed"}],
    }
    return [
        ("invoke_agent Friday", {INPUT: [USER], OUTPUT: [ANSWER]}),
        ("react step", {}),
        ("chat scripted-model", first_chat),
        # The tool's text result is recorded as the text itself, not as JSON.
        ("execute_tool get_weather", {ARGUMENTS: {"city": "Paris"}, RESULT: "Sunny in Paris"}),
        ("react step", {}),
        ("chat scripted-model", second_chat),
    ]


def runtime_hint(agent: Any) -> str:
    """The runtime-state reminder AgentScope put in the agent's context."""
    [hint] = [
        block.hint
        for msg in agent.state.context
        for block in msg.content
        if isinstance(block, HintBlock)
    ]
    assert isinstance(hint, str)
    assert f"<current-time>{FROZEN_TIME}</current-time>" in hint
    return hint


# -- Fixtures: instrumented by the test itself, with an event logger --------------


class FrozenDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> FrozenDatetime:
        return cls.fromisoformat(FROZEN_TIME).replace(tzinfo=tz)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The agent's runtime-state hint names the current time: freeze it, so
    that two runs record the same content."""
    monkeypatch.setattr(agent_module, "datetime", FrozenDatetime)


def run_call(agent: Any = None, script: Script | None = None) -> tuple[Any, Msg]:
    agent = agent if agent is not None else make_agent()
    return agent, asyncio.run(call_with(agent, script or one_tool_round("Paris")))


def span_names(root: Node) -> list[str]:
    return [node.name for node in root.walk()]


NAMES = [name for name, _ in expected_spans("")]


# -- The capture modes -----------------------------------------------------------


def test_span_only_records_the_exact_content_on_every_span(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    agent, reply = run_call()

    assert reply_text(reply) == "Done Paris"
    root = capture.tree()
    assert [(node.name, content_of(node.attributes)) for node in root.walk()] == expected_spans(
        runtime_hint(agent)
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

    expected = expected_spans(runtime_hint(agent))
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


# -- Messages of the application's own classes -------------------------------------


class AppMsg(Msg):
    """An application's own message class."""


class AppMsgReplies(MiddlewareBase):
    """A user middleware that hands the agent's final message on as an ``AppMsg``."""

    async def on_reply(
        self, agent: Any, input_kwargs: dict, next_handler: Any
    ) -> AsyncGenerator[Any, None]:
        async for item in next_handler(**input_kwargs):
            yield AppMsg.model_validate(item.model_dump()) if isinstance(item, Msg) else item


def test_a_reply_of_a_msg_subclass_records_its_content(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    _, reply = run_call(make_agent(middlewares=[AppMsgReplies()]))

    assert type(reply) is AppMsg
    assert reply_text(reply) == "Done Paris"
    root = capture.tree()
    assert root.name == "invoke_agent Friday"
    assert content_of(root.attributes) == {INPUT: [USER], OUTPUT: [ANSWER]}


# -- Nothing is built when capture is off ----------------------------------------


def test_capture_off_serializes_nothing(capture, monkeypatch) -> None:
    forbid_serializing(monkeypatch)
    capture.instrument()
    _, reply = run_call()

    assert reply_text(reply) == "Done Paris"
    assert guard.take_internal_errors() == []
    assert span_names(capture.tree()) == NAMES


def test_the_forbidden_serializers_are_the_ones_capture_uses(capture, monkeypatch) -> None:
    """The control for the test above: with capture on, the same patches are
    hit (and otelscope's failure still leaves the call untouched)."""
    forbid_serializing(monkeypatch)
    capture.instrument(capture_content="SPAN_ONLY")
    _, reply = run_call()

    assert reply_text(reply) == "Done Paris"
    errors = guard.take_internal_errors()
    assert errors != []
    assert all(isinstance(error, Serialized) for error in errors)


# -- Redaction and truncation ------------------------------------------------------


class CityModel(ScriptedChatModel):
    """Asks for the weather in Paris, then answers; no id names the city, so
    the city appears only in message content."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def _call_api(
        self, model_name: str, messages: list[Msg], *args: Any, **kwargs: Any
    ) -> Any:
        self.calls += 1
        if self.calls == 1:
            block: Any = ToolCallBlock(id="call-1", name="get_weather", input='{"city": "Paris"}')
            return ChatResponse(content=[block], is_last=True, usage=usage(), id="resp-1")
        block = TextBlock(text="It is sunny in Paris.")
        return ChatResponse(content=[block], is_last=True, usage=usage(), id="resp-2")


def test_redaction_applies_to_every_content_attribute_and_event(capture) -> None:
    seen: list[str] = []

    def redact(key: str, value: str) -> str:
        seen.append(key)
        return value.replace("Paris", "[city]")

    capture.instrument(capture_content="SPAN_AND_EVENT", redact=redact)
    agent = make_agent(model=CityModel())
    reply = asyncio.run(agent.reply(UserMsg(name="user", content="Weather in Paris?")))

    assert reply_text(reply) == "It is sunny in Paris."
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
    first, second = root.find("chat scripted-model")
    assert content_of(first.attributes)[OUTPUT] == [
        {
            "role": "assistant",
            "parts": [{**call, "arguments": {"city": "[city]"}}],
            "finish_reason": "completed",
        }
    ]
    assert content_of(second.attributes)[OUTPUT] == [{**answer, "finish_reason": "completed"}]
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

    assert reply_text(reply) == "Done Paris"
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


class PlainCredential(CredentialBase):
    """A credential that keeps its key as a plain string (no SecretStr)."""

    api_key: str


class SecretOpenAIModel(OpenAIChatModel):
    """A real OpenAI model object (credential, client kwargs) answering from
    the script instead of the network."""

    async def _call_api(
        self,
        model_name: str,
        messages: list[Msg],
        tools: Any = None,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> Any:
        return await ScriptedChatModel._call_api(
            self, model_name, messages, tools, tool_choice, **kwargs
        )


def secret_model(kind: str) -> ChatModelBase:
    if kind == "scripted":
        model = ScriptedChatModel(temperature=0.1)
        model.credential = PlainCredential(api_key=SECRET, name="prod key")
        model.api_key = SECRET
        model.client_kwargs = {"api_key": SECRET, "default_headers": {"X-Api-Key": SECRET}}
        return model
    return SecretOpenAIModel(
        credential=OpenAICredential(api_key=SECRET, base_url="https://llm.test/v1"),
        model="scripted-model",
        stream=False,
        max_retries=0,
        client_kwargs={"default_headers": {"Authorization": f"Bearer {SECRET}"}},
        extra_body={"api_key": SECRET},
    )


@pytest.mark.parametrize("kind", ["scripted", "openai"])
def test_credentials_in_the_model_are_never_exported(capture, kind) -> None:
    model = secret_model(kind)
    capture.instrument(capture_content="SPAN_AND_EVENT")
    _, reply = run_call(make_agent(model=model))

    assert reply_text(reply) == "Done Paris"
    exported = capture.exported()
    assert SECRET not in exported
    assert "SECRET" not in exported
    # The export did hold content, events and metrics.
    assert '\\"content\\": \\"Done Paris\\"' in exported
    assert EVENT_NAME in exported
    assert "gen_ai.client.operation.duration" in exported


# -- Streaming -----------------------------------------------------------------------


class DeltaStreamModel(ScriptedChatModel):
    """Streams its final text in deltas of one text block (one block id), as
    providers do; AgentScope accumulates them into the final chunk."""

    def __init__(self) -> None:
        super().__init__(stream=True)

    async def _call_api(
        self, model_name: str, messages: list[Msg], *args: Any, **kwargs: Any
    ) -> Any:
        script = current_script.get()
        assert script is not None
        step = script.steps[min(script.calls_made, len(script.steps) - 1)]
        if step.tools:
            return await super()._call_api(model_name, messages, *args, **kwargs)
        script.calls_made += 1
        return self._deltas(step.text)

    async def _deltas(self, text: str) -> AsyncGenerator[ChatResponse, None]:
        for start in range(0, len(text), 3):
            block = TextBlock(text=text[start : start + 3], id="answer")
            yield ChatResponse(content=[block], is_last=False, id="resp-stream")
        yield ChatResponse(content=[], is_last=False, usage=usage(), id="resp-stream")


def test_a_streamed_response_records_its_output_from_the_final_chunk(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    agent, reply = run_call(make_agent(model=DeltaStreamModel()))

    assert reply_text(reply) == "Done Paris"
    root = capture.tree()
    assert [(node.name, content_of(node.attributes)) for node in root.walk()] == expected_spans(
        runtime_hint(agent)
    )
    chats = root.find("chat scripted-model")
    assert [chat.attributes["gen_ai.request.stream"] for chat in chats] == [True, True]


def test_a_model_streamed_directly_records_the_accumulated_text(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    model = DeltaStreamModel()

    async def consume() -> list[Any]:
        current_script.set(Script(tag="x", steps=[Step(text="A long streamed answer")]))
        stream = await model([UserMsg(name="user", content="hi")])
        return [chunk async for chunk in stream]

    chunks = asyncio.run(consume())
    assert len(chunks) > 2
    [chat] = build_trees(capture.traced.spans())
    assert content_of(chat.attributes) == {
        INPUT: [{"role": "user", "parts": [{"type": "text", "content": "hi"}]}],
        OUTPUT: [
            {
                "role": "assistant",
                "parts": [{"type": "text", "content": "A long streamed answer"}],
                "finish_reason": "completed",
            }
        ],
    }


def test_a_stream_closed_early_records_no_output(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    model = DeltaStreamModel()

    async def take_one() -> None:
        current_script.set(Script(tag="x", steps=[Step(text="A long streamed answer")]))
        stream: AsyncGenerator[Any, None] = await model([UserMsg(name="user", content="hi")])
        await stream.__anext__()
        await stream.aclose()

    asyncio.run(take_one())
    [chat] = build_trees(capture.traced.spans())
    assert content_of(chat.attributes) == {
        INPUT: [{"role": "user", "parts": [{"type": "text", "content": "hi"}]}],
    }

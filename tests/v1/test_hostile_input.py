"""Odd and hostile input through real AgentScope 1.x agents, models and
tools, with content capture off and on: the application sees exactly what
it sees without otelscope (the same reply, or the same exception), every
span ends, and each records what it could read. The autouse strict-mode
check fails any case that made otelscope fail internally."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Callable, Coroutine
from typing import Any

import pytest
from agentscope.message import ImageBlock, Msg, TextBlock, ToolUseBlock
from agentscope.model import ChatModelBase, ChatResponse
from agentscope.tool import Toolkit, ToolResponse

from otelscope.core.content import DEFAULT_MAX_LENGTH
from tests.content_expectations import ARGUMENTS, INPUT, OUTPUT, RESULT, Capture, cut
from tests.spantree import Node
from tests.v1.kit import make_agent

Scenario = Callable[[], Coroutine[Any, Any, Any]]

# Capture off (the default, no option) and on, on spans and events alike.
MODES = [None, "SPAN_AND_EVENT"]


class Replies(ChatModelBase):
    """Answers each call with the next of ``responses``, whatever they are."""

    def __init__(self, *responses: Any) -> None:
        super().__init__(model_name="odd-model", stream=False)
        self.responses = list(responses)

    async def __call__(self, messages: list[dict], *args: Any, **kwargs: Any) -> Any:
        return self.responses.pop(0)


def text_response(text: str) -> ChatResponse:
    return ChatResponse(content=[TextBlock(type="text", text=text)], id="resp-text")


def tool_use(name: str, arguments: Any) -> ChatResponse:
    block = ToolUseBlock(type="tool_use", id="call-1", name=name, input=arguments)
    return ChatResponse(content=[block], id="resp-tool")


def outcome(scenario: Scenario) -> tuple[Any, ...]:
    """What the application gets from one run, in a comparable form."""
    try:
        reply = asyncio.run(scenario())
    except Exception as error:
        return ("raised", type(error), str(error))
    return ("returned", reply.content, reply.metadata)


def same_outcome_traced(capture: Capture, mode: str | None, scenario: Scenario) -> Node:
    """Run ``scenario`` untraced, then traced: the outcomes are equal. The
    traced run's one trace is returned."""
    untraced = outcome(scenario)
    capture.instrument(**({} if mode is None else {"capture_content": mode}))
    assert outcome(scenario) == untraced
    return capture.tree()


def recorded(node: Node, *keys: str) -> dict[str, Any]:
    return {key: node.attributes[key] for key in keys if key in node.attributes}


def assert_content(capture: Capture, mode: str | None, node: Node, expected: dict) -> None:
    """``node`` holds the expected content attributes when capture is on,
    none when it is off (and then no event was emitted either)."""
    if mode is None:
        assert recorded(node, *expected) == {}
        assert capture.records() == []
    else:
        assert recorded(node, *expected) == expected


# -- Odd values in the messages ---------------------------------------------------


LONE_SURROGATES = "x\udcff" * 3
PNG = "iVBORw0KGgo="
HUGE = "h" * 200_000


def odd_message() -> Msg:
    looped: dict[str, Any] = {}
    looped["self"] = looped
    content = [
        TextBlock(type="text", text=LONE_SURROGATES),
        ImageBlock(type="image", source={"type": "base64", "media_type": "image/png", "data": PNG}),
        TextBlock(type="text", text=HUGE),
    ]
    metadata = {"object": object(), "bytes": b"\x00\xff", "cycle": looped}
    return Msg("user", content, "user", metadata=metadata)


@pytest.mark.parametrize("mode", MODES)
def test_unserializable_binary_huge_and_invalid_text_in_a_message(capture, mode) -> None:
    def scenario() -> Coroutine[Any, Any, Any]:
        return make_agent(model=Replies(text_response("done\ud800")))(odd_message())

    root = same_outcome_traced(capture, mode, scenario)

    assert root.shape() == ("invoke_agent Friday", [("react step", [("chat odd-model", [])])])
    parts = [
        {"type": "text", "content": "x?x?x?"},
        {"type": "blob", "modality": "image", "content": PNG, "mime_type": "image/png"},
        {"type": "text", "content": HUGE},
    ]
    whole_input = json.dumps([{"role": "user", "parts": parts}], ensure_ascii=False)
    answer = '[{"role": "assistant", "parts": [{"type": "text", "content": "done?"}]}]'
    assert_content(
        capture, mode, root, {INPUT: cut(whole_input, DEFAULT_MAX_LENGTH), OUTPUT: answer}
    )
    [chat] = root.find("chat odd-model")
    assert_content(capture, mode, chat, {OUTPUT: answer})


# -- None where a value is optional, and empty responses ---------------------------


@pytest.mark.parametrize("mode", MODES)
def test_no_input_and_an_empty_response_without_usage(capture, mode) -> None:
    def scenario() -> Coroutine[Any, Any, Any]:
        empty = ChatResponse(content=[], id="resp-empty", usage=None, metadata=None)
        return make_agent(model=Replies(empty))(None)

    root = same_outcome_traced(capture, mode, scenario)

    empty_reply = '[{"role": "assistant", "parts": []}]'
    assert_content(capture, mode, root, {INPUT: "[]", OUTPUT: empty_reply})
    [chat] = root.find("chat odd-model")
    assert {k: v for k, v in chat.attributes.items() if k.startswith("gen_ai.usage")} == {}
    assert chat.attributes["gen_ai.response.id"] == "resp-empty"
    assert_content(capture, mode, chat, {OUTPUT: empty_reply})


@pytest.mark.parametrize("mode", MODES)
def test_a_model_returning_no_response_fails_the_call_as_without_otelscope(capture, mode) -> None:
    def scenario() -> Coroutine[Any, Any, Any]:
        return make_agent(model=Replies(None))(Msg("user", "hi", "user"))

    root = same_outcome_traced(capture, mode, scenario)

    assert root.attributes["error.type"] == "AttributeError"
    [chat] = root.find("chat odd-model")
    # The model itself returned: its span ended without error, with no id,
    # no usage, and (capture on) an assistant message with nothing in it.
    assert "error.type" not in chat.attributes
    assert "gen_ai.response.id" not in chat.attributes
    assert_content(capture, mode, chat, {OUTPUT: '[{"role": "assistant", "parts": []}]'})


# -- Tools: arguments that are not a dict, streams that raise ---------------------


MISSING_CITY = "Error: get_weather() missing 1 required positional argument: 'city'"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("arguments", "recorded_content", "call_fails"),
    [
        ("not a dict", {ARGUMENTS: "not a dict"}, True),
        (["Paris"], {ARGUMENTS: '["Paris"]'}, True),
        (None, {RESULT: MISSING_CITY}, False),
    ],
    ids=["text", "list", "none"],
)
def test_tool_arguments_that_are_not_a_dict(
    capture, mode, arguments: Any, recorded_content: dict[str, str], call_fails: bool
) -> None:
    def scenario() -> Coroutine[Any, Any, Any]:
        model = Replies(tool_use("get_weather", arguments), text_response("done"))
        return make_agent(model=model)(Msg("user", "hi", "user"))

    root = same_outcome_traced(capture, mode, scenario)

    [tool] = root.find("execute_tool get_weather")
    # AgentScope 1.x spreads the arguments as keywords: it raises for anything
    # that is not a mapping, and so does the call. With none, the tool runs
    # without its argument and fails; 1.x answers with an "Error: ..." text.
    assert tool.attributes["error.type"] == "TypeError"
    assert root.attributes.get("error.type") == ("TypeError" if call_fails else None)
    # What otelscope could read is recorded as it was: arguments that are
    # there, and the answer of a tool that ran.
    if mode is not None:
        assert recorded(tool, ARGUMENTS, RESULT) == recorded_content


async def breaking_weather(city: str) -> AsyncGenerator[ToolResponse, None]:
    """Stream the weather of a city, then break.

    Args:
        city (str): The city name.
    """
    yield ToolResponse(content=[TextBlock(type="text", text="Sunny")], stream=True, is_last=False)
    raise RuntimeError("weather stream broke")


@pytest.mark.parametrize("mode", MODES)
def test_a_tool_generator_that_raises(capture, mode) -> None:
    def scenario() -> Coroutine[Any, Any, Any]:
        toolkit = Toolkit()
        toolkit.register_tool_function(breaking_weather)
        model = Replies(tool_use("breaking_weather", {"city": "Paris"}), text_response("done"))
        return make_agent(model=model, toolkit=toolkit)(Msg("user", "hi", "user"))

    root = same_outcome_traced(capture, mode, scenario)

    [tool] = root.find("execute_tool breaking_weather")
    assert tool.attributes["error.type"] == "RuntimeError"
    assert [event.attributes["exception.message"] for event in tool.span.events] == [
        "weather stream broke"
    ]
    # The arguments were read; the stream never finished, so no result is.
    if mode is not None:
        assert recorded(tool, ARGUMENTS, RESULT) == {ARGUMENTS: '{"city": "Paris"}'}


# -- A model called directly with provider messages of the wrong shape -----------


class ToolCounter(ChatModelBase):
    """Answers with the number of tools it could read."""

    def __init__(self) -> None:
        super().__init__(model_name="tool-counter", stream=False)

    async def __call__(self, messages: Any, tools: Any = None, **kwargs: Any) -> ChatResponse:
        return text_response(f"{len(list(tools))} tools")


@pytest.mark.parametrize("mode", MODES)
def test_provider_messages_of_the_wrong_shape(capture, mode) -> None:
    def scenario() -> Coroutine[Any, Any, Any]:
        messages = [
            {"role": "user", "content": 5},
            {"role": "assistant", "content": None, "tool_calls": 7},
            {"role": "tool", "content": b"\x89PNG", "tool_call_id": None},
            "not a message",
        ]
        return ToolCounter()(messages, tools=(tool for tool in [{"name": "f"}, {"name": "g"}]))

    chat = same_outcome_traced(capture, mode, scenario)

    assert chat.name == "chat tool-counter"
    assistant_and_tool = [
        {"role": "user", "parts": []},
        {"role": "assistant", "parts": []},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": None, "response": []}]},
    ]
    # The tools came as a generator: otelscope left both for the model (the
    # reply, compared above, counts them) and recorded no definitions.
    assert_content(capture, mode, chat, {INPUT: json.dumps(assistant_and_tool)})

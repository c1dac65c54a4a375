"""Odd and hostile input through real AgentScope 2.x agents, models and
tools, with content capture off and on: the application sees exactly what
it sees without otelscope (the same reply, or the same exception), every
span ends, and each records what it could read. The autouse strict-mode
check fails any case that made otelscope fail internally."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Callable, Coroutine
from typing import Any

import agentscope.agent._agent as agent_module
import pytest
from agentscope.message import Base64Source, DataBlock, Msg, TextBlock, ToolCallBlock, UserMsg
from agentscope.model import ChatResponse
from agentscope.tool import ToolChunk

from otelscope.core.content import DEFAULT_MAX_LENGTH
from tests.content_expectations import ARGUMENTS, INPUT, RESULT, Capture, cut
from tests.spantree import Node
from tests.v2.content_kit import FrozenDatetime
from tests.v2.kit import ScriptedChatModel, make_agent, make_toolkit, outcome_of

Scenario = Callable[[], Coroutine[Any, Any, Any]]

# Capture off (the default, no option) and on, on spans and events alike.
MODES = [None, "SPAN_AND_EVENT"]


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both runs of a case must give the model the same runtime hint."""
    monkeypatch.setattr(agent_module, "datetime", FrozenDatetime)


class Replies(ScriptedChatModel):
    """Answers each call with the next of ``responses``, whatever they are."""

    def __init__(self, *responses: Any) -> None:
        super().__init__()
        self.responses = list(responses)

    async def _call_api(self, model_name: str, messages: list[Msg], *args: Any, **kw: Any) -> Any:
        return self.responses.pop(0)


def text_response(text: str) -> ChatResponse:
    return ChatResponse(content=[TextBlock(text=text)], is_last=True, id="resp-text")


def tool_call(name: str, arguments: str) -> ChatResponse:
    block = ToolCallBlock(id="call-1", name=name, input=arguments)
    return ChatResponse(content=[block], is_last=True, id="resp-tool")


def same_outcome_traced(capture: Capture, mode: str | None, scenario: Scenario) -> Node:
    """Run ``scenario`` untraced, then traced: the outcomes are equal. The
    traced run's one trace is returned."""
    untraced = asyncio.run(outcome_of(scenario()))
    capture.instrument(**({} if mode is None else {"capture_content": mode}))
    assert asyncio.run(outcome_of(scenario())) == untraced
    return capture.tree()


def content_if_captured(mode: str | None, node: Node, *keys: str) -> dict[str, Any] | None:
    """The content attributes of ``node``; None when capture is off (then
    there must be none)."""
    found = {key: node.attributes[key] for key in keys if key in node.attributes}
    if mode is None:
        assert found == {}
        return None
    return found


# -- Odd values in the messages ---------------------------------------------------


PNG = "iVBORw0KGgo="
HUGE = "h" * 200_000


@pytest.mark.parametrize("mode", MODES)
def test_binary_huge_and_invalid_text_in_a_message(capture, mode) -> None:
    def scenario() -> Coroutine[Any, Any, Any]:
        content = [
            TextBlock(text="x\udcff"),
            DataBlock(source=Base64Source(data=PNG, media_type="image/png")),
            TextBlock(text=HUGE),
        ]
        agent = make_agent(model=Replies(text_response("done")))
        return agent.reply(UserMsg(name="user", content=content))

    root = same_outcome_traced(capture, mode, scenario)

    parts = [
        {"type": "text", "content": "x?"},
        {"type": "blob", "modality": "image", "content": PNG, "mime_type": "image/png"},
        {"type": "text", "content": HUGE},
    ]
    whole = json.dumps([{"role": "user", "parts": parts}], ensure_ascii=False)
    found = content_if_captured(mode, root, INPUT)
    assert found in (None, {INPUT: cut(whole, DEFAULT_MAX_LENGTH)})


@pytest.mark.parametrize("mode", MODES)
def test_an_empty_response_without_usage(capture, mode) -> None:
    def scenario() -> Coroutine[Any, Any, Any]:
        empty = ChatResponse(content=[], is_last=True, id="resp-empty", usage=None)
        return make_agent(model=Replies(empty)).reply(None)

    root = same_outcome_traced(capture, mode, scenario)

    [chat] = root.find("chat scripted-model")
    assert {k: v for k, v in chat.attributes.items() if k.startswith("gen_ai.usage")} == {}
    assert chat.attributes["gen_ai.response.id"] == "resp-empty"
    assert "error.type" not in root.attributes


# -- Tools: arguments that are not a JSON object, streams that raise -------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("arguments", "tool_ran"),
    [("not json", False), ('["Paris"]', False), ('{"city": 5}', True)],
    ids=["text", "list", "wrong-type"],
)
def test_tool_arguments_that_are_not_the_schema(
    capture, mode, arguments: str, tool_ran: bool
) -> None:
    def scenario() -> Coroutine[Any, Any, Any]:
        model = Replies(tool_call("get_weather", arguments), text_response("done"))
        return make_agent(model=model).reply(UserMsg(name="user", content="hi"))

    root = same_outcome_traced(capture, mode, scenario)

    assert "error.type" not in root.attributes
    tools = root.find("execute_tool get_weather")
    if not tool_ran:
        # AgentScope refuses arguments that are no JSON object before the
        # toolkit is called: no tool ran, so there is no execute_tool span.
        assert tools == []
        return
    [tool] = tools
    assert "error.type" not in tool.attributes
    found = content_if_captured(mode, tool, ARGUMENTS, RESULT)
    assert found in (None, {ARGUMENTS: arguments, RESULT: "Sunny in 5"})


async def breaking_weather(city: str) -> AsyncGenerator[ToolChunk, None]:
    """Stream the weather of a city, then break.

    Args:
        city (str): The city name.
    """
    yield ToolChunk(content=[TextBlock(text="Sunny", id="weather")], is_last=False)
    raise RuntimeError("weather stream broke")


@pytest.mark.parametrize("mode", MODES)
def test_a_tool_generator_that_raises(capture, mode) -> None:
    def scenario() -> Coroutine[Any, Any, Any]:
        model = Replies(tool_call("breaking_weather", '{"city": "Paris"}'), text_response("done"))
        agent = make_agent(model=model, toolkit=make_toolkit(breaking_weather))
        return agent.reply(UserMsg(name="user", content="hi"))

    root = same_outcome_traced(capture, mode, scenario)

    [tool] = root.find("execute_tool breaking_weather")
    assert tool.attributes["error.type"] == "tool_error"
    found = content_if_captured(mode, tool, ARGUMENTS, RESULT)
    # AgentScope answers with the text streamed so far and the error's message.
    assert found in (None, {ARGUMENTS: '{"city": "Paris"}', RESULT: "Sunnyweather stream broke"})

"""Message content capture on AgentScope 2.x: what only 2.x has (its blocks
in the conventions' shape, replies of an application's own message class).
The tests both lines share are in ``tests/lines/test_content.py``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

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

from otelscope.agentscope_common.messages import chat_input, chat_output, to_messages, to_part
from otelscope.core.content import CaptureMode, ContentPolicy
from tests.content_expectations import ANSWER, INPUT, OUTPUT, USER, content_of
from tests.v2.kit import call_with, make_agent, one_tool_round, reply_text

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
    agent = make_agent(middlewares=[AppMsgReplies()])
    reply = asyncio.run(call_with(agent, one_tool_round("Paris")))

    assert type(reply) is AppMsg
    assert reply_text(reply) == "Done Paris"
    root = capture.tree()
    assert root.name == "invoke_agent Friday"
    assert content_of(root.attributes) == {INPUT: [USER], OUTPUT: [ANSWER]}

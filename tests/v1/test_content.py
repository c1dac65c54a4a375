"""Message content capture on AgentScope 1.x: what only 1.x does (its
formatters other than OpenAI's). The tests both lines share are in
``tests/lines/test_content.py``."""

from __future__ import annotations

import asyncio
from typing import Any

from agentscope.formatter import AnthropicChatFormatter, GeminiChatFormatter

from tests.content_expectations import INPUT, RESPONSE, Capture, decoded
from tests.v1.kit import call_with, make_agent, one_tool_round


def second_chat_input(capture: Capture, formatter: Any) -> list[Any]:
    capture.instrument(capture_content="SPAN_ONLY")
    agent = make_agent()
    agent.formatter = formatter
    asyncio.run(call_with(agent, one_tool_round("Paris")))
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

"""The chat span says how a 1.x formatter prepared its input: the formatter,
the messages it was given, and how many its truncation removed; a model
called with any other list gets no such record."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from agentscope.formatter import FormatterBase, OpenAIChatFormatter
from agentscope.message import Msg
from agentscope.token import TokenCounterBase

from tests.spantree import build_trees
from tests.v1.kit import Script, ScriptedChatModel, Step, call_with, current_script, make_agent

FORMATTER_KEYS = (
    "otelscope.formatter.name",
    "otelscope.formatter.input_messages",
    "otelscope.formatter.truncated_messages",
)


class MessageCounter(TokenCounterBase):
    """Counts one token per formatted message, so truncation is predictable."""

    async def count(self, messages: list[dict], **kwargs: Any) -> int:
        return len(messages)


def conversation(turns: int) -> list[Msg]:
    """A system prompt and ``turns`` alternating user/assistant messages."""
    msgs = [Msg("system", "Be brief.", "system")]
    for i in range(turns):
        role = "user" if i % 2 == 0 else "assistant"
        msgs.append(Msg(role, f"message {i}", role))
    return msgs


def formatter_record(span_attributes: dict) -> dict:
    return {key: span_attributes[key] for key in FORMATTER_KEYS if key in span_attributes}


async def format_then_call(formatter: FormatterBase, msgs: list[Msg], tag: str) -> list[dict]:
    current_script.set(Script(tag, [Step(text="ok")]))
    prompt = await formatter.format(msgs)
    await ScriptedChatModel()(prompt)
    return prompt


def test_truncation_is_counted_on_the_chat_span_that_received_the_result(traced) -> None:
    formatter = OpenAIChatFormatter(token_counter=MessageCounter(), max_tokens=3)

    prompt = asyncio.run(format_then_call(formatter, conversation(6), "tr"))

    # System prompt kept, the oldest four turns dropped one at a time.
    assert [m["content"][0]["text"] for m in prompt] == ["Be brief.", "message 4", "message 5"]
    [chat] = build_trees(traced.spans())
    assert formatter_record(chat.attributes) == {
        "otelscope.formatter.name": "OpenAIChatFormatter",
        "otelscope.formatter.input_messages": 7,
        "otelscope.formatter.truncated_messages": 4,
    }


def test_a_model_given_another_list_gets_no_formatter_record(traced) -> None:
    async def main() -> None:
        current_script.set(Script("cp", [Step(text="ok")]))
        prompt = await OpenAIChatFormatter().format(conversation(2))
        await ScriptedChatModel()(list(prompt))  # a copy: not what was formatted

    asyncio.run(main())

    [chat] = build_trees(traced.spans())
    assert formatter_record(chat.attributes) == {}


class PlainFormatter(FormatterBase):
    """A formatter of the user's own that cannot truncate."""

    async def format(self, msgs: list[Msg], **kwargs: Any) -> list[dict]:
        return [{"role": m.role, "content": m.get_text_content()} for m in msgs]


def test_a_formatter_that_cannot_truncate_records_no_truncation(traced) -> None:
    asyncio.run(format_then_call(PlainFormatter(), conversation(3), "pl"))

    [chat] = build_trees(traced.spans())
    assert formatter_record(chat.attributes) == {
        "otelscope.formatter.name": "PlainFormatter",
        "otelscope.formatter.input_messages": 4,
    }


class KeepLastFormatter(OpenAIChatFormatter):
    """Overrides both steps and calls ``super()``: still one formatting, and
    each removed message counted once."""

    async def format(self, msgs: list[Msg], **kwargs: Any) -> list[dict]:
        return await super().format(msgs, **kwargs)

    async def _truncate(self, msgs: list[Msg]) -> list[Msg]:
        return await super()._truncate(msgs)


def test_overrides_that_call_super_count_once(traced) -> None:
    formatter = KeepLastFormatter(token_counter=MessageCounter(), max_tokens=2)

    prompt = asyncio.run(format_then_call(formatter, conversation(5), "kl"))

    assert len(prompt) == 2
    [chat] = build_trees(traced.spans())
    assert formatter_record(chat.attributes) == {
        "otelscope.formatter.name": "KeepLastFormatter",
        "otelscope.formatter.input_messages": 6,
        "otelscope.formatter.truncated_messages": 4,
    }


def test_overlapping_formattings_each_reach_their_own_chat_span(traced) -> None:
    """Two tasks format at once with different limits; each chat span gets
    the counts of the list it was sent."""

    async def one(max_tokens: int, turns: int, tag: str) -> None:
        formatter = OpenAIChatFormatter(token_counter=MessageCounter(), max_tokens=max_tokens)
        await asyncio.sleep(0)
        await format_then_call(formatter, conversation(turns), tag)

    async def main() -> None:
        await asyncio.gather(one(2, 8, "a"), one(5, 4, "b"), one(3, 3, "c"))

    asyncio.run(main())

    records = sorted(
        (
            chat.attributes["gen_ai.response.id"],
            chat.attributes["otelscope.formatter.input_messages"],
            chat.attributes["otelscope.formatter.truncated_messages"],
        )
        for chat in build_trees(traced.spans())
    )
    assert records == [("resp-a", 9, 7), ("resp-b", 5, 0), ("resp-c", 4, 1)]


class BrokenFormatter(OpenAIChatFormatter):
    error = RuntimeError("cannot format")

    async def _format(self, msgs: list[Msg]) -> list[dict]:
        raise self.error


def test_a_failing_formatter_raises_unchanged(traced) -> None:
    formatter = BrokenFormatter()

    with pytest.raises(RuntimeError) as caught:
        asyncio.run(formatter.format(conversation(2)))

    assert caught.value is BrokenFormatter.error
    assert traced.spans() == []  # formatting makes no span of its own


def test_an_agent_round_records_the_memory_it_formatted(traced) -> None:
    agent = make_agent()
    script = Script("ag", [Step(tools=["get_weather"]), Step(text="done")])

    asyncio.run(call_with(agent, script))

    [root] = build_trees(traced.spans())
    records = [formatter_record(chat.attributes) for chat in root.find("chat scripted-model")]
    # Round 1: system prompt and question; round 2 adds the tool call and result.
    assert [r["otelscope.formatter.input_messages"] for r in records] == [2, 4]
    assert {r["otelscope.formatter.truncated_messages"] for r in records} == {0}

"""Context compression and system prompt changes within a call on
AgentScope 2.x, triggered for real (1.x has neither)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import pytest
from agentscope.agent import Agent, ContextConfig, ReActConfig
from agentscope.message import AssistantMsg, Msg, ToolCallBlock, UserMsg
from agentscope.middleware import MiddlewareBase
from agentscope.model import ChatResponse
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

from otelscope.core.guard import take_internal_errors
from tests.conftest import Traced
from tests.content_expectations import OUTPUT, TOOLS, content_of
from tests.spantree import build_trees
from tests.v2 import kit

SUMMARY = json.dumps({key: "earlier talk" for key in ContextConfig().summary_schema["required"]})
ANSWER_ROUND = ("react step", [("chat scripted-model", [])])
SUMMARY_CHAT = ("chat scripted-model", [])


def summary_asked(tools: Any) -> ChatResponse | None:
    """The summary, when the model call is a compression's (its one tool is
    ``generate_structured_output``'s); None for any other call."""
    if [tool["function"]["name"] for tool in tools or ()] != ["generate_structured_output"]:
        return None
    call = ToolCallBlock(id="summary", name="generate_structured_output", input=SUMMARY)
    return ChatResponse(content=[call], is_last=True, usage=kit.usage(), id="summary")


class WritesSummaries:
    """A scripted model's part that writes the summary a compression asks for
    (through ``generate_structured_output``, which bypasses ``__call__``)
    and counts them; any other call follows the model's script."""

    summaries: int

    async def _call_api(
        self,
        model_name: str,
        messages: list[Msg],
        tools: Any = None,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> Any:
        summary = summary_asked(tools)
        if summary is not None:
            self.summaries += 1
            return summary
        return await super()._call_api(model_name, messages, tools, tool_choice, **kwargs)


class SummarizingModel(WritesSummaries, kit.ScriptedChatModel):
    """The kit's model, which also writes the summary a compression asks for."""

    def __init__(self) -> None:
        super().__init__()
        self.context_size = 400
        self.summaries = 0


def long_agent(history: int) -> Agent:
    """An agent whose context holds ``history`` earlier messages, more than
    its compression threshold allows."""
    agent = Agent(
        name="Friday",
        system_prompt="Be brief.",
        model=SummarizingModel(),
        toolkit=kit.make_toolkit(),
        context_config=ContextConfig(trigger_ratio=0.5, reserve_ratio=0.1),
        react_config=ReActConfig(max_iters=5),
    )
    for i in range(history):
        agent.state.context.append(UserMsg(name="user", content=f"earlier question {i} " * 4))
        agent.state.context.append(AssistantMsg(name="Friday", content=f"earlier answer {i} " * 4))
    return agent


def test_a_compression_is_a_span_with_the_message_counts_before_and_after(traced) -> None:
    agent = long_agent(history=6)
    reply = asyncio.run(kit.call_with(agent, kit.Script("Rome", [kit.Step(text="Sunny")]), "sun?"))

    assert kit.reply_text(reply) == "Sunny"
    assert agent.model.summaries == 1  # type: ignore[attr-defined]
    [tree] = build_trees(traced.spans())
    # Before the round's reasoning, under the call, with the summary's model
    # call (`generate_structured_output`) inside it.
    assert tree.shape() == (
        "invoke_agent Friday",
        [("compress_context Friday", [SUMMARY_CHAT]), ANSWER_ROUND],
    )
    (compression,) = tree.find("compress_context Friday")
    kit.assert_ok(compression)
    assert compression.attributes == {
        "gen_ai.operation.name": "compress_context",
        "gen_ai.agent.name": "Friday",
        "gen_ai.conversation.id": kit.conversation_id(agent),
        # Twelve earlier messages and the question; the question is kept.
        "otelscope.context.messages_before": 13,
        "otelscope.context.messages_after": 1,
    }
    [summary] = compression.children
    kit.assert_ok(summary)
    assert summary.attributes == summary_chat(agent)
    # The summary's tokens count toward the call (10 + 10), not the round.
    assert tree.attributes["otelscope.usage.input_tokens"] == 20
    assert tree.attributes["otelscope.usage.output_tokens"] == 10
    [answer_round] = tree.find("react step")
    assert answer_round.attributes["otelscope.usage.input_tokens"] == 10


def summary_chat(agent: Agent) -> dict[str, Any]:
    """The chat span of a compression's summary (`SummarizingModel`)."""
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "unknown",
        "gen_ai.request.model": "scripted-model",
        "gen_ai.request.stream": False,
        "gen_ai.conversation.id": kit.conversation_id(agent),
        "gen_ai.output.type": "json",
        "gen_ai.response.id": "summary",
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 5,
    }


def rollups(tree: Any) -> list[tuple[int, int]]:
    """The token roll-ups (input, output) of the call and then of each round."""
    return [
        (
            node.attributes["otelscope.usage.input_tokens"],
            node.attributes["otelscope.usage.output_tokens"],
        )
        for node in [tree, *tree.find("react step")]
    ]


def test_a_summary_between_two_rounds_counts_toward_the_call_not_the_open_round(traced) -> None:
    """A long tool result pushes the context past the threshold after the
    first round: the compression runs before the second round's reasoning,
    while the first round is still open, and its summary is not the round's."""
    agent = long_agent(history=0)
    city = "Rome " * 120
    reply = asyncio.run(kit.call_with(agent, kit.one_tool_round(city), "sun?"))

    assert kit.reply_text(reply) == f"Done {city}"
    assert agent.model.summaries == 1  # type: ignore[attr-defined]
    [tree] = build_trees(traced.spans())
    assert tree.shape() == (
        "invoke_agent Friday",
        [
            ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
            ("compress_context Friday", [SUMMARY_CHAT]),
            ANSWER_ROUND,
        ],
    )
    [summary] = tree.find("compress_context Friday")[0].children
    assert summary.attributes == summary_chat(agent)
    assert rollups(tree) == [(30, 15), (10, 5), (10, 5)]


class ToolCompressingModel(WritesSummaries, kit.OwnScriptChatModel):
    """Follows its own script (which may call the agent's compression tool),
    and writes the summary a compression asks for."""

    def __init__(self, script: kit.Script) -> None:
        super().__init__(script)
        # The automatic threshold at 400 tokens, the tool's at 240.
        self.context_size = 800
        self.summaries = 0


def test_a_summary_the_agent_asks_for_with_its_tool_is_part_of_that_round(traced) -> None:
    """The agent's compression tool compresses inside the tool call (below
    the automatic threshold): the summary nests there and counts toward the
    round that ran the tool."""
    script = kit.Script("Rome", [kit.CallTool(name="CompressContext"), kit.Step(text="Compressed")])
    agent = long_agent(history=3)
    agent.model = ToolCompressingModel(script)
    agent.context_config = ContextConfig(
        trigger_ratio=0.5, reserve_ratio=0.1, compression_tool_enabled=True
    )
    reply = asyncio.run(kit.reply_to(agent, "compress?"))

    assert kit.reply_text(reply) == "Compressed"
    assert agent.model.summaries == 1  # type: ignore[attr-defined]
    [tree] = build_trees(traced.spans())
    assert tree.shape() == (
        "invoke_agent Friday",
        [
            (
                "react step",
                [
                    ("chat scripted-model", []),
                    (
                        "execute_tool CompressContext",
                        [("compress_context Friday", [SUMMARY_CHAT])],
                    ),
                ],
            ),
            ANSWER_ROUND,
        ],
    )
    [summary] = tree.find("compress_context Friday")[0].children
    assert summary.attributes == summary_chat(agent)
    assert rollups(tree) == [(30, 15), (20, 10), (10, 5)]


class FailingSummaryModel(SummarizingModel):
    """The kit's model, whose summaries fail."""

    async def _call_api(
        self,
        model_name: str,
        messages: list[Msg],
        tools: Any = None,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> Any:
        if [tool["function"]["name"] for tool in tools or ()] == ["generate_structured_output"]:
            self.summaries += 1
            raise ConnectionError("summarizer down")
        return await super()._call_api(model_name, messages, tools, tool_choice, **kwargs)


def test_a_failed_summary_is_a_failed_chat_inside_a_compression_that_goes_on(traced) -> None:
    """AgentScope answers a failed summary (of a context too long for the
    model) by trying once more on less context, then by truncating: two
    structured-output calls, two failed chats, and the compression ends."""
    agent = long_agent(history=6)
    agent.model = FailingSummaryModel()
    reply = asyncio.run(kit.call_with(agent, kit.Script("Rome", [kit.Step(text="Sunny")]), "sun?"))

    assert kit.reply_text(reply) == "Sunny"
    assert agent.model.summaries == 2  # type: ignore[attr-defined]
    [tree] = build_trees(traced.spans())
    assert tree.shape() == (
        "invoke_agent Friday",
        [("compress_context Friday", [SUMMARY_CHAT, SUMMARY_CHAT]), ANSWER_ROUND],
    )
    [compression] = tree.find("compress_context Friday")
    kit.assert_ok(compression)
    failed = {
        key: value
        for key, value in summary_chat(agent).items()
        if not key.startswith(("gen_ai.response", "gen_ai.usage"))
    }
    for summary in compression.children:
        kit.assert_failed(
            summary, "ConnectionError", "ConnectionError: summarizer down", "summarizer down"
        )
        assert summary.attributes == {**failed, "error.type": "ConnectionError"}


def test_with_capture_on_the_summary_is_the_chats_output(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    agent = long_agent(history=6)
    asyncio.run(kit.call_with(agent, kit.Script("Rome", [kit.Step(text="Sunny")]), "sun?"))

    [tree] = build_trees(capture.traced.spans())
    [summary] = tree.find("compress_context Friday")[0].children
    recorded = content_of(summary.attributes)
    assert recorded[OUTPUT] == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": SUMMARY}],
            "finish_reason": "completed",
        }
    ]
    assert recorded[TOOLS] == [
        {
            "type": "function",
            "name": "generate_structured_output",
            "parameters": ContextConfig().summary_schema,
        }
    ]


def test_a_call_that_compresses_nothing_has_no_compression_span(traced) -> None:
    agent = long_agent(history=0)
    asyncio.run(kit.call_with(agent, kit.one_tool_round("Rome")))

    assert agent.model.summaries == 0  # type: ignore[attr-defined]
    [tree] = build_trees(traced.spans())
    assert tree.find("compress_context Friday") == []


class ToolResultsNote(MiddlewareBase):  # type: ignore[misc]
    """Adds a line to the system prompt once a tool result is in the context:
    the prompt changes between the two reasoning steps of a tool round."""

    async def on_system_prompt(self, agent: Any, current_prompt: str) -> str:
        results = [m for m in agent.state.context if m.get_content_blocks("tool_result")]
        return current_prompt + "\nTool results are in." if results else current_prompt


def prompt_agent(middlewares: list[Any] | None = None) -> Agent:
    return kit.make_agent(middlewares=middlewares)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


BASE = "You are a test agent."


@pytest.mark.parametrize("mode", ["NO_CONTENT", "SPAN_ONLY"])
def test_a_system_prompt_change_within_a_call_is_an_event_with_hashes(capture, mode: str) -> None:
    capture.instrument(capture_content=mode)
    agent = prompt_agent([ToolResultsNote()])
    reply = asyncio.run(kit.call_with(agent, kit.one_tool_round("Rome")))

    assert kit.reply_text(reply) == "Done Rome"
    [tree] = build_trees(capture.traced.spans())
    changed = BASE + "\nTool results are in."
    [event] = tree.span.events
    assert event.name == "otelscope.system_prompt.changed"
    assert dict(event.attributes or {}) == {
        "otelscope.system_prompt.sha256": sha256(changed),
        "otelscope.system_prompt.previous_sha256": sha256(BASE),
    }
    # The text only with content capture on, as the call's system instructions.
    instructions = tree.attributes.get("gen_ai.system_instructions")
    if mode == "NO_CONTENT":
        assert instructions is None
        assert all(changed not in str(value) for value in tree.attributes.values())
    else:
        assert json.loads(instructions) == [{"type": "text", "content": changed}]


def test_a_system_prompt_change_obeys_the_length_limit_and_redaction(capture) -> None:
    capture.instrument(
        capture_content="SPAN_ONLY",
        max_content_length=60,
        redact=lambda key, value: value.replace("test agent", "[agent]"),
    )
    asyncio.run(kit.call_with(prompt_agent([ToolResultsNote()]), kit.one_tool_round("Rome")))

    [tree] = build_trees(capture.traced.spans())
    redacted = BASE.replace("test agent", "[agent]") + "\nTool results are in."
    whole = json.dumps([{"type": "text", "content": redacted}], ensure_ascii=False)
    expected = whole[:60] + f"...[truncated {len(whole) - 60} characters]"
    assert tree.attributes["gen_ai.system_instructions"] == expected


def test_an_unchanged_prompt_and_a_new_call_record_no_change(traced) -> None:
    agent = prompt_agent()

    async def two_calls() -> None:
        await kit.call_with(agent, kit.one_tool_round("Rome"))
        agent._system_prompt = "You are another test agent."
        await kit.call_with(agent, kit.one_tool_round("Oslo"))

    asyncio.run(two_calls())

    # Each call kept its prompt from its first step to its last.
    assert [tree.span.events for tree in build_trees(traced.spans())] == [(), ()]


def test_a_dropped_trace_builds_nothing_for_compression_or_prompts() -> None:
    dropped = Traced(sampler=ALWAYS_OFF)
    dropped.instrument()
    try:
        long = long_agent(history=6)
        asyncio.run(kit.call_with(long, kit.Script("Rome", [kit.Step(text="Sunny")]), "sun?"))
        asyncio.run(kit.call_with(prompt_agent([ToolResultsNote()]), kit.one_tool_round("Rome")))
    finally:
        dropped.instrumentor.uninstrument()

    assert long.model.summaries == 1  # type: ignore[attr-defined]
    assert dropped.spans() == []
    assert take_internal_errors() == []


def test_overlapping_compressions_on_separate_agents_stay_on_their_own_calls(traced) -> None:
    agents = [long_agent(history=6 + i) for i in range(4)]

    async def overlapping() -> list[Msg]:
        return await asyncio.gather(
            *(
                kit.call_with(agent, kit.Script(f"C{i}", [kit.Step(text="Sunny", delay=0.002)]))
                for i, agent in enumerate(agents)
            )
        )

    asyncio.run(overlapping())

    trees = build_trees(traced.spans())
    counts = sorted(
        (
            tree.attributes["gen_ai.agent.id"],
            tree.find("compress_context Friday")[0].attributes["otelscope.context.messages_before"],
        )
        for tree in trees
    )
    expected = sorted((kit.agent_id(agent), 2 * (6 + i) + 1) for i, agent in enumerate(agents))
    assert counts == expected

"""What the shared content-capture tests (``tests/lines/test_content.py``,
``tests/lines/test_security.py``) need of AgentScope 2.x."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime, tzinfo
from typing import Any

import agentscope.agent._agent as agent_module
import pytest
from agentscope.credential import CredentialBase, OpenAICredential
from agentscope.message import HintBlock, Msg, TextBlock, ToolCallBlock
from agentscope.model import ChatModelBase, ChatResponse, OpenAIChatModel

from tests.content_expectations import (
    ANSWER,
    ARGUMENTS,
    CALL,
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
)
from tests.v2.kit import ScriptedChatModel, current_script, usage

FROZEN_TIME = "2026-01-02T03:04:05"
# What an output message records besides its parts: 2.x responses say why
# they ended.
FINISH = {"finish_reason": "completed"}
# The chat span of ``CityModel``.
CITY_CHAT = "chat scripted-model"


def expected_spans(agent: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every span of ``agent``'s call with one tool round ("Paris"), in
    depth-first order, with the content it records. 2.x gives the model its
    own messages: the agent's runtime-state hint, the tool call and its
    result are blocks of one assistant message."""
    reminder = {"type": "text", "content": runtime_hint(agent)}
    first_chat = {
        SYSTEM: SYSTEM_PARTS,
        INPUT: [USER, {"role": "assistant", "parts": [reminder]}],
        TOOLS: TOOL_DEFINITIONS,
        OUTPUT: [{"role": "assistant", "parts": [CALL], **FINISH}],
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
        OUTPUT: [{**ANSWER, **FINISH}],
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


class FrozenDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> FrozenDatetime:
        return cls.fromisoformat(FROZEN_TIME).replace(tzinfo=tz)


def hold_still(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make two runs of a call record the same content: the agent's
    runtime-state hint names the current time, so freeze it."""
    monkeypatch.setattr(agent_module, "datetime", FrozenDatetime)


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
    """A model holding ``SECRET`` everywhere it keeps credentials: the
    scripted model, or a real OpenAI model object."""
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


def streaming_model() -> ChatModelBase:
    """A scripted model that streams its answers in deltas."""
    return DeltaStreamModel()


def streamed_text(chunks: list[Any]) -> str:
    """The text a stream of chunks added up to: the deltas, joined, which
    the last chunk AgentScope adds holds whole."""
    *deltas, last = chunks
    joined = "".join(block.text for chunk in deltas for block in chunk.content)
    assert last.is_last
    assert [block.text for block in last.content] == [joined]
    return joined

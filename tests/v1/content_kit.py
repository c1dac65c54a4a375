"""What the shared content-capture tests (``tests/lines/test_content.py``,
``tests/lines/test_security.py``) need of AgentScope 1.x."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from agentscope.message import TextBlock, ToolUseBlock
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
from tests.v1.kit import ScriptedChatModel, usage

# What an output message records besides its parts: 1.x responses report no
# finish reason.
FINISH: dict[str, str] = {}
# The chat span of ``CityModel``.
CITY_CHAT = "chat city-model"

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
EXPECTED = [
    ("invoke_agent Friday", {INPUT: [USER], OUTPUT: [ANSWER]}),
    ("react step", {}),
    ("chat scripted-model", FIRST_CHAT),
    # The tool's text result is recorded as the text itself, not as JSON.
    ("execute_tool get_weather", {ARGUMENTS: {"city": "Paris"}, RESULT: "Sunny in Paris"}),
    ("react step", {}),
    ("chat scripted-model", SECOND_CHAT),
]


def expected_spans(agent: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every span of ``agent``'s call with one tool round ("Paris"), in
    depth-first order, with the content it records."""
    return EXPECTED


def hold_still(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make two runs of a call record the same content: 1.x agents put
    nothing that changes in their prompts."""


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


class SecretOpenAIModel(OpenAIChatModel):
    """A real OpenAI model object (client built with the key), answering from
    the script instead of the network."""

    async def __call__(
        self, messages: list[dict], tools: Any = None, tool_choice: Any = None, **kwargs: Any
    ) -> Any:
        return await ScriptedChatModel.__call__(self, messages, tools, tool_choice, **kwargs)


def secret_model(kind: str) -> ChatModelBase:
    """A model holding ``SECRET`` everywhere it keeps credentials: the
    scripted model, or a real OpenAI model object."""
    if kind == "scripted":
        scripted = ScriptedChatModel(extra_headers={"Authorization": f"Bearer {SECRET}"})
        scripted.api_key = SECRET
        scripted.client_kwargs = {"api_key": SECRET, "default_headers": {"X-Api-Key": SECRET}}
        return scripted
    # The client's options were `client_args` before they became `client_kwargs`.
    parameters = inspect.signature(OpenAIChatModel.__init__).parameters
    client_option = "client_kwargs" if "client_kwargs" in parameters else "client_args"
    return SecretOpenAIModel(
        model_name="scripted-model",
        api_key=SECRET,
        stream=False,
        generate_kwargs={"temperature": 0.1, "extra_headers": {"X-Api-Key": SECRET}},
        **{client_option: {"default_headers": {"Authorization": f"Bearer {SECRET}"}}},
    )


def streaming_model() -> ChatModelBase:
    """A scripted model that streams its answers (1.x chunks are cumulative)."""
    return ScriptedChatModel(stream=True)


def streamed_text(chunks: list[Any]) -> str:
    """The text a stream of chunks added up to: the last cumulative chunk's."""
    return chunks[-1].content[0]["text"]

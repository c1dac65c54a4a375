"""The workload on AgentScope 1.x: a real ``ReActAgent``, a scripted model and a tool, both
answering at once, one tool round per call. Only AgentScope is imported here, so every venv of
the benchmark can run it."""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator
from typing import Any

os.environ.setdefault("AGENTSCOPE_DISABLE_CONSOLE_OUTPUT", "true")

from agentscope.agent import ReActAgent
from agentscope.formatter import OpenAIChatFormatter
from agentscope.message import Msg, TextBlock, ToolUseBlock
from agentscope.model import ChatModelBase, ChatResponse
from agentscope.model._model_usage import ChatUsage
from agentscope.tool import Toolkit, ToolResponse

ANSWER = "It is sunny in Paris today."


class ScriptedModel(ChatModelBase):
    """Asks for the weather, then answers once the tool has replied. It reads the prompt, not
    a counter, so overlapping and repeated calls always take the same path."""

    def __init__(self, stream: bool) -> None:
        super().__init__(model_name="scripted-model", stream=stream)

    async def __call__(
        self, messages: list[dict[str, Any]], *args: Any, **kwargs: Any
    ) -> ChatResponse | AsyncGenerator[ChatResponse, None]:
        usage = ChatUsage(input_tokens=10 * len(messages), output_tokens=5, time=0.0)
        if messages[-1].get("role") == "tool":
            if self.stream:
                return _cumulative_text(usage)
            return ChatResponse(content=[TextBlock(type="text", text=ANSWER)], usage=usage)
        call = ToolUseBlock(
            type="tool_use", id="call-1", name="get_weather", input={"city": "Paris"}
        )
        if self.stream:
            return _single_chunk(ChatResponse(content=[call], usage=usage))
        return ChatResponse(content=[call], usage=usage)


async def _cumulative_text(usage: ChatUsage) -> AsyncGenerator[ChatResponse, None]:
    # 1.x streams are cumulative: every chunk holds the whole text so far.
    for end in (9, 18, len(ANSWER)):
        last = end == len(ANSWER)
        yield ChatResponse(
            content=[TextBlock(type="text", text=ANSWER[:end])], usage=usage if last else None
        )


async def _single_chunk(response: ChatResponse) -> AsyncGenerator[ChatResponse, None]:
    yield response


async def get_weather(city: str) -> ToolResponse:
    """Get the weather of a city.

    Args:
        city (str): The city name.
    """
    return ToolResponse(content=[TextBlock(type="text", text=f"Sunny in {city}")])


class Workload:
    """``agents`` agents sharing one model and toolkit; ``call(i)`` asks agent
    ``i`` one question on a fresh memory."""

    def __init__(self, agents: int, stream: bool) -> None:
        model = ScriptedModel(stream=stream)
        toolkit = Toolkit()
        toolkit.register_tool_function(get_weather)
        self.agents = [
            ReActAgent(
                name=f"Forecaster{index}",
                sys_prompt="You answer weather questions.",
                model=model,
                formatter=OpenAIChatFormatter(),
                toolkit=toolkit,
                max_iters=3,
            )
            for index in range(agents)
        ]

    async def call(self, index: int) -> Msg:
        agent = self.agents[index]
        # A fresh memory keeps every call the same size, however many ran before.
        await agent.memory.clear()
        return await agent(Msg("user", "Weather in Paris?", "user"))


def answer_of(reply: Msg) -> str:
    return str(reply.get_text_content())

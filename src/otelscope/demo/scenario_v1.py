"""The demo on AgentScope 1.x: overlapping calls on ONE ReActAgent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from agentscope.agent import ReActAgent
from agentscope.formatter import OpenAIChatFormatter
from agentscope.message import Msg, TextBlock, ToolUseBlock
from agentscope.model import ChatModelBase, ChatResponse
from agentscope.model._model_usage import ChatUsage
from agentscope.tool import Toolkit, ToolResponse

from otelscope.demo import script


class ScriptedModel(ChatModelBase):  # type: ignore[misc]
    """A chat model that follows the current call's script offline."""

    def __init__(self) -> None:
        super().__init__(model_name="scripted-model", stream=False)

    async def __call__(
        self, messages: list[dict[str, Any]], *args: Any, **kwargs: Any
    ) -> ChatResponse | AsyncGenerator[ChatResponse, None]:
        call = script.current.get()
        if call is None:
            raise RuntimeError("the demo model runs only inside a demo call")
        await asyncio.sleep(call.delay())
        usage = ChatUsage(input_tokens=12 * len(messages), output_tokens=8, time=0.0)
        city = call.next_city()
        if city is None:
            return ChatResponse(content=[TextBlock(type="text", text=call.answer())], usage=usage)
        block = ToolUseBlock(
            type="tool_use",
            id=f"{city}-{call.model_calls}",
            name="get_weather",
            input={"city": city},
        )
        return ChatResponse(content=[block], usage=usage)


async def get_weather(city: str) -> ToolResponse:
    """Get the weather of a city.

    Args:
        city (str): The city name.
    """
    await asyncio.sleep(0.005)
    return ToolResponse(content=[TextBlock(type="text", text=script.weather_of(city))])


async def run() -> list[str]:
    """Four overlapping questions to one agent; returns the answers."""
    toolkit = Toolkit()
    toolkit.register_tool_function(get_weather)
    agent = ReActAgent(
        name="Friday",
        sys_prompt="You answer weather questions.",
        model=ScriptedModel(),
        formatter=OpenAIChatFormatter(),
        toolkit=toolkit,
    )

    async def ask(call: script.CallScript) -> str:
        script.current.set(call)
        reply = await agent(Msg("user", f"Weather in {', '.join(call.cities)}?", "user"))
        return str(reply.get_text_content())

    return list(await asyncio.gather(*(ask(call) for call in script.scripts())))

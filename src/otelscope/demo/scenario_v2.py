"""The demo on AgentScope 2.x: overlapping calls on agents sharing one model
and one toolkit (2.x agents cannot serve overlapping replies themselves)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import Any

from agentscope.agent import Agent
from agentscope.credential import CredentialBase
from agentscope.formatter import OpenAIChatFormatter
from agentscope.message import Msg, TextBlock, ToolCallBlock, UserMsg
from agentscope.model import ChatModelBase, ChatResponse, ChatUsage
from agentscope.permission import PermissionBehavior, PermissionDecision
from agentscope.tool import FunctionTool, Toolkit

from otelscope.demo import script


class ScriptedModel(ChatModelBase):  # type: ignore[misc]
    """A chat model that follows the current call's script offline."""

    def __init__(self) -> None:
        super().__init__(
            credential=CredentialBase(),
            model="scripted-model",
            parameters=ChatModelBase.Parameters(),
            stream=False,
            max_retries=0,
        )
        self.formatter = OpenAIChatFormatter()

    async def _call_api(
        self, model_name: str, messages: list[Msg], *args: Any, **kwargs: Any
    ) -> ChatResponse | AsyncGenerator[ChatResponse, None]:
        call = script.current.get()
        if call is None:
            raise RuntimeError("the demo model runs only inside a demo call")
        await asyncio.sleep(call.delay())
        usage = ChatUsage(input_tokens=12 * len(messages), output_tokens=8, time=0.0)
        city = call.next_city()
        if city is None:
            return ChatResponse(content=[TextBlock(text=call.answer())], is_last=True, usage=usage)
        block = ToolCallBlock(
            id=f"{city}-{call.model_calls}", name="get_weather", input=json.dumps({"city": city})
        )
        return ChatResponse(content=[block], is_last=True, usage=usage)


async def get_weather(city: str) -> str:
    """Get the weather of a city.

    Args:
        city (str): The city name.
    """
    await asyncio.sleep(0.005)
    return script.weather_of(city)


async def run() -> list[str]:
    """Four overlapping questions to four agents; returns the answers."""
    model = ScriptedModel()
    allow = PermissionDecision(behavior=PermissionBehavior.ALLOW, message="demo")
    toolkit = Toolkit(tools=[FunctionTool(get_weather, permission=allow)])

    async def ask(index: int, call: script.CallScript) -> str:
        script.current.set(call)
        agent = Agent(
            name=f"Friday-{index + 1}",
            system_prompt="You answer weather questions.",
            model=model,
            toolkit=toolkit,
        )
        reply = await agent.reply(
            UserMsg(name="user", content=f"Weather in {', '.join(call.cities)}?")
        )
        return "".join(b.text for b in reply.content if isinstance(b, TextBlock))

    return list(await asyncio.gather(*(ask(i, c) for i, c in enumerate(script.scripts()))))

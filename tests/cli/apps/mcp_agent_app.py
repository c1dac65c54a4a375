"""An AgentScope application whose tool is served by an MCP server it starts
over stdio (``mcp_weather_app.py``), unaware of otelscope. A scripted model
(no network) asks for the tool once, then answers. Works on either line."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from importlib import metadata
from pathlib import Path

os.environ.setdefault("AGENTSCOPE_DISABLE_CONSOLE_OUTPUT", "true")

SERVER = [str(Path(__file__).with_name("mcp_weather_app.py"))]
ANSWER = "It is sunny in Paris."


async def answer_v1() -> str:
    from agentscope.agent import ReActAgent
    from agentscope.formatter import OpenAIChatFormatter
    from agentscope.mcp import StdIOStatefulClient
    from agentscope.message import Msg, TextBlock, ToolUseBlock
    from agentscope.model import ChatModelBase, ChatResponse
    from agentscope.model._model_usage import ChatUsage
    from agentscope.tool import Toolkit

    class WeatherModel(ChatModelBase):
        def __init__(self) -> None:
            super().__init__(model_name="weather-model", stream=False)

        async def __call__(self, messages, *args, **kwargs):
            usage = ChatUsage(input_tokens=10, output_tokens=5, time=0.0)
            if messages[-1].get("role") == "tool":
                return ChatResponse(content=[TextBlock(type="text", text=ANSWER)], usage=usage)
            call = ToolUseBlock(
                type="tool_use", id="call-1", name="get_weather", input={"city": "Paris"}
            )
            return ChatResponse(content=[call], usage=usage)

    client = StdIOStatefulClient(name="weather", command=sys.executable, args=SERVER)
    await client.connect()
    try:
        toolkit = Toolkit()
        await toolkit.register_mcp_client(client)
        agent = ReActAgent(
            name="Forecaster",
            sys_prompt="You answer weather questions.",
            model=WeatherModel(),
            formatter=OpenAIChatFormatter(),
            toolkit=toolkit,
        )
        reply = await agent(Msg("user", "Weather in Paris?", "user"))
    finally:
        await client.close()
    return str(reply.get_text_content())


async def answer_v2() -> str:
    from agentscope.agent import Agent
    from agentscope.credential import CredentialBase
    from agentscope.formatter import OpenAIChatFormatter
    from agentscope.mcp import MCPClient, StdioMCPConfig
    from agentscope.message import TextBlock, ToolCallBlock, UserMsg
    from agentscope.model import ChatModelBase, ChatResponse, ChatUsage
    from agentscope.tool import Toolkit

    class WeatherModel(ChatModelBase):
        def __init__(self) -> None:
            super().__init__(
                credential=CredentialBase(),
                model="weather-model",
                parameters=ChatModelBase.Parameters(),
                stream=False,
                max_retries=0,
            )
            self.formatter = OpenAIChatFormatter()

        async def _call_api(self, model_name, messages, *args, **kwargs):
            usage = ChatUsage(input_tokens=10, output_tokens=5, time=0.0)
            last = messages[-1]
            if last.role == "assistant" and last.get_content_blocks("tool_result"):
                return ChatResponse(content=[TextBlock(text=ANSWER)], is_last=True, usage=usage)
            call = ToolCallBlock(
                id="call-1", name="mcp__weather__get_weather", input=json.dumps({"city": "Paris"})
            )
            return ChatResponse(content=[call], is_last=True, usage=usage)

    config = StdioMCPConfig(command=sys.executable, args=SERVER)
    client = MCPClient(name="weather", is_stateful=True, mcp_config=config)
    await client.connect()
    try:
        agent = Agent(
            name="Forecaster",
            system_prompt="You answer weather questions.",
            model=WeatherModel(),
            toolkit=Toolkit(mcps=[client]),
        )
        reply = await agent.reply(UserMsg(name="user", content="Weather in Paris?"))
    finally:
        await client.close()
    return "".join(block.text for block in reply.content if isinstance(block, TextBlock))


def main() -> None:
    major = int(metadata.version("agentscope").split(".")[0])
    answer = asyncio.run(answer_v1() if major == 1 else answer_v2())
    print(f"answer: {answer}")


if __name__ == "__main__":
    main()

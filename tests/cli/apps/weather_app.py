"""A small AgentScope application, unaware of otelscope, for `otelscope run`.

One agent answers "weather in Paris?" with a scripted model (no network): one
tool round, then the answer. It works on whichever AgentScope line is
installed. Options: `--exit-code N` leaves with N after answering;
`--fail` makes the model raise, so the program dies with a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from importlib import metadata

os.environ.setdefault("AGENTSCOPE_DISABLE_CONSOLE_OUTPUT", "true")

MODEL_FAILURE = "the weather model is unavailable"
ANSWER = "It is sunny in Paris."


def get_weather_text(city: str) -> str:
    return f"Sunny in {city}"


def answer_v1(fail: bool) -> str:
    from agentscope.agent import ReActAgent
    from agentscope.formatter import OpenAIChatFormatter
    from agentscope.message import Msg, TextBlock, ToolUseBlock
    from agentscope.model import ChatModelBase, ChatResponse
    from agentscope.model._model_usage import ChatUsage
    from agentscope.tool import Toolkit, ToolResponse

    class WeatherModel(ChatModelBase):
        def __init__(self) -> None:
            super().__init__(model_name="weather-model", stream=False)

        async def __call__(self, messages, *args, **kwargs):
            if fail:
                raise RuntimeError(MODEL_FAILURE)
            usage = ChatUsage(input_tokens=10, output_tokens=5, time=0.0)
            if messages[-1].get("role") == "tool":
                return ChatResponse(content=[TextBlock(type="text", text=ANSWER)], usage=usage)
            call = ToolUseBlock(
                type="tool_use", id="call-1", name="get_weather", input={"city": "Paris"}
            )
            return ChatResponse(content=[call], usage=usage)

    def get_weather(city: str) -> ToolResponse:
        """Get the weather of a city.

        Args:
            city (str): The city name.
        """
        return ToolResponse(content=[TextBlock(type="text", text=get_weather_text(city))])

    toolkit = Toolkit()
    toolkit.register_tool_function(get_weather)
    agent = ReActAgent(
        name="Forecaster",
        sys_prompt="You answer weather questions.",
        model=WeatherModel(),
        formatter=OpenAIChatFormatter(),
        toolkit=toolkit,
    )
    reply = asyncio.run(agent(Msg("user", "Weather in Paris?", "user")))
    return str(reply.get_text_content())


def answer_v2(fail: bool) -> str:
    from agentscope.agent import Agent
    from agentscope.credential import CredentialBase
    from agentscope.formatter import OpenAIChatFormatter
    from agentscope.message import TextBlock, ToolCallBlock, UserMsg
    from agentscope.model import ChatModelBase, ChatResponse, ChatUsage
    from agentscope.permission import PermissionBehavior, PermissionDecision
    from agentscope.tool import FunctionTool, Toolkit

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
            if fail:
                raise RuntimeError(MODEL_FAILURE)
            usage = ChatUsage(input_tokens=10, output_tokens=5, time=0.0)
            last = messages[-1]
            if last.role == "assistant" and last.get_content_blocks("tool_result"):
                return ChatResponse(content=[TextBlock(text=ANSWER)], is_last=True, usage=usage)
            call = ToolCallBlock(
                id="call-1", name="get_weather", input=json.dumps({"city": "Paris"})
            )
            return ChatResponse(content=[call], is_last=True, usage=usage)

    def get_weather(city: str) -> str:
        """Get the weather of a city.

        Args:
            city (str): The city name.
        """
        return get_weather_text(city)

    allow = PermissionDecision(behavior=PermissionBehavior.ALLOW, message="app")
    agent = Agent(
        name="Forecaster",
        system_prompt="You answer weather questions.",
        model=WeatherModel(),
        toolkit=Toolkit(tools=[FunctionTool(get_weather, permission=allow)]),
    )
    reply = asyncio.run(agent.reply(UserMsg(name="user", content="Weather in Paris?")))
    return "".join(block.text for block in reply.content if isinstance(block, TextBlock))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exit-code", type=int, default=0)
    parser.add_argument("--fail", action="store_true")
    options = parser.parse_args()
    major = int(metadata.version("agentscope").split(".")[0])
    answer = (answer_v1 if major == 1 else answer_v2)(options.fail)
    print(f"answer: {answer}")
    return options.exit_code


if __name__ == "__main__":
    sys.exit(main())

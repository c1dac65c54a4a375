"""The workload on AgentScope 2.x: a real ``Agent``, a scripted model and an allowed tool,
both answering at once, one tool round per call. Only AgentScope is imported here, so every
venv of the benchmark can run it."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from agentscope.agent import Agent, ReActConfig
from agentscope.credential import CredentialBase
from agentscope.formatter import OpenAIChatFormatter
from agentscope.message import Msg, TextBlock, ToolCallBlock, UserMsg
from agentscope.model import ChatModelBase, ChatResponse, ChatUsage
from agentscope.permission import PermissionBehavior, PermissionDecision
from agentscope.tool import FunctionTool, Toolkit

ANSWER = "It is sunny in Paris today."
ALLOW = PermissionDecision(behavior=PermissionBehavior.ALLOW, message="benchmark")


class ScriptedModel(ChatModelBase):
    """Asks for the weather, then answers once the tool has replied. It reads the prompt, not
    a counter, so overlapping and repeated calls always take the same path."""

    def __init__(self, stream: bool) -> None:
        super().__init__(
            credential=CredentialBase(),
            model="scripted-model",
            parameters=ChatModelBase.Parameters(),
            stream=stream,
            max_retries=0,
        )
        # 2.x agents read the formatter from their model.
        self.formatter = OpenAIChatFormatter()

    async def _call_api(
        self, model_name: str, messages: list[Msg], *args: Any, **kwargs: Any
    ) -> ChatResponse | AsyncGenerator[ChatResponse, None]:
        usage = ChatUsage(input_tokens=10 * len(messages), output_tokens=5, time=0.0)
        last = messages[-1]
        # 2.x appends a tool's result to the assistant message that called it.
        if last.role == "assistant" and last.get_content_blocks("tool_result"):
            if self.stream:
                return _text_deltas(usage)
            return ChatResponse(content=[TextBlock(text=ANSWER)], is_last=True, usage=usage)
        call = ToolCallBlock(id="call-1", name="get_weather", input='{"city": "Paris"}')
        if self.stream:
            return _single_delta(ChatResponse(content=[call], is_last=False, usage=usage))
        return ChatResponse(content=[call], is_last=True, usage=usage)


async def _text_deltas(usage: ChatUsage) -> AsyncGenerator[ChatResponse, None]:
    # 2.x streams are deltas; the model base class accumulates the last chunk.
    for start, end in ((0, 9), (9, 18), (18, len(ANSWER))):
        # One block id: the deltas are parts of one text block.
        delta = TextBlock(text=ANSWER[start:end], id="answer-text")
        yield ChatResponse(content=[delta], is_last=False)
    yield ChatResponse(content=[], is_last=False, usage=usage)


async def _single_delta(response: ChatResponse) -> AsyncGenerator[ChatResponse, None]:
    yield response


def get_weather(city: str) -> str:
    """Get the weather of a city.

    Args:
        city (str): The city name.
    """
    return f"Sunny in {city}"


class Workload:
    """``agents`` agents sharing one model and toolkit; ``call(i)`` asks agent
    ``i`` one question on a fresh context."""

    def __init__(self, agents: int, stream: bool) -> None:
        model = ScriptedModel(stream=stream)
        toolkit = Toolkit(tools=[FunctionTool(get_weather, permission=ALLOW)])
        self.agents = [
            Agent(
                name=f"Forecaster{index}",
                system_prompt="You answer weather questions.",
                model=model,
                toolkit=toolkit,
                react_config=ReActConfig(max_iters=3),
            )
            for index in range(agents)
        ]

    async def call(self, index: int) -> Msg:
        agent = self.agents[index]
        # A fresh context keeps every call the same size, however many ran before.
        agent.state.context.clear()
        return await agent.reply(UserMsg(name="user", content="Weather in Paris?"))


def answer_of(reply: Msg) -> str:
    return "".join(block.text for block in reply.content if isinstance(block, TextBlock))

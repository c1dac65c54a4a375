"""The demo on AgentScope 1.x.

First four overlapping weather questions on ONE ``ReActAgent`` (one trace
per call), then a weekend-trip conversation of three agents: a ``MsgHub``
named ``weekend_trip`` in which ``sequential_pipeline`` gives each agent its
turn and every reply is broadcast to the others. The conversation is one
trace, rooted at the hub's ``invoke_workflow`` span. Before it, the travel
notes are indexed (a trace of their own); in it, the Critic looks them up
with the knowledge base's ``retrieve_knowledge`` tool.
"""

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

from otelscope.demo import knowledge_v1, script

TRIP_HUB = "weekend_trip"
RETRIEVAL_TOOL = "retrieve_knowledge"


class ScriptedModel(ChatModelBase):  # type: ignore[misc]
    """A chat model that follows a script offline: its own if it was given
    one, else the current call's."""

    def __init__(self, own_script: script.CallScript | None = None) -> None:
        super().__init__(model_name="scripted-model", stream=False)
        self.own_script = own_script

    async def __call__(
        self, messages: list[dict[str, Any]], *args: Any, **kwargs: Any
    ) -> ChatResponse | AsyncGenerator[ChatResponse, None]:
        call = self.own_script or script.current.get()
        if call is None:
            raise RuntimeError("the demo model runs only inside a demo call")
        await asyncio.sleep(call.delay())
        usage = ChatUsage(input_tokens=12 * len(messages), output_tokens=8, time=0.0)
        requests = call.next_requests()
        if not requests:
            return ChatResponse(content=[TextBlock(type="text", text=call.answer)], usage=usage)
        blocks = [
            ToolUseBlock(
                type="tool_use",
                id=call.call_id(request),
                name=request.tool,
                input=request.arguments,
            )
            for request in requests
        ]
        return ChatResponse(content=blocks, usage=usage)


async def get_weather(city: str) -> ToolResponse:
    """Get the weather of a city.

    Args:
        city (str): The city name.
    """
    await asyncio.sleep(0.005)
    return ToolResponse(content=[TextBlock(type="text", text=script.weather_of(city))])


def weather_toolkit() -> Toolkit:
    toolkit = Toolkit()
    toolkit.register_tool_function(get_weather)
    return toolkit


def make_agent(
    name: str, sys_prompt: str, model: ScriptedModel, toolkit: Toolkit | None = None
) -> ReActAgent:
    return ReActAgent(
        name=name,
        sys_prompt=sys_prompt,
        model=model,
        formatter=OpenAIChatFormatter(),
        toolkit=toolkit,
    )


async def run() -> list[str]:
    """The weather answers in question order, then the conversation's verdict."""
    answers = await overlapping_questions()
    answers.append(await weekend_trip())
    return answers


async def overlapping_questions() -> list[str]:
    """Four overlapping questions to one agent; returns the answers."""
    agent = make_agent(
        "Friday", "You answer weather questions.", ScriptedModel(), weather_toolkit()
    )

    async def ask(call: script.CallScript) -> str:
        script.current.set(call)
        reply = await agent(Msg("user", call.question, "user"))
        return str(reply.get_text_content())

    return list(await asyncio.gather(*(ask(call) for call in script.scripts())))


async def weekend_trip() -> str:
    """Three agents take turns in a hub; returns the last one's reply."""
    # Imported here, after instrument(): a pipeline function imported by name
    # earlier would be the untraced original.
    from agentscope.pipeline import MsgHub, sequential_pipeline

    notes = await knowledge_v1.travel_notes()
    critic_tools = Toolkit()
    critic_tools.register_tool_function(notes.retrieve_knowledge)
    agents = [
        make_agent(
            script.FORECASTER,
            "You look up the weather.",
            ScriptedModel(script.forecaster_script()),
            weather_toolkit(),
        ),
        make_agent(
            script.PLANNER,
            "You plan trips.",
            ScriptedModel(script.answering_script(script.PLAN)),
        ),
        make_agent(
            script.CRITIC,
            "You check plans against the travel notes.",
            ScriptedModel(script.critic_script(RETRIEVAL_TOOL)),
            critic_tools,
        ),
    ]
    question = Msg("user", script.TRIP_QUESTION, "user")
    async with MsgHub(agents, announcement=question, name=TRIP_HUB):
        reply = await sequential_pipeline(agents)
    return str(reply.get_text_content())

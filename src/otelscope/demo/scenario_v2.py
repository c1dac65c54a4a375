"""The demo on AgentScope 2.x.

First four overlapping weather questions, on four agents sharing one model
and one toolkit (one trace per call). They cannot share one agent: a 2.x
``Agent`` keeps the state of a reply on itself (``state.reply_context`` with
the reply id and the iteration count, reset by every reply that starts; the
``_receive_reply_end`` flag; pending tool calls read back from the shared
``state.context``), so overlapping replies on one instance overwrite each
other's state, run each other's tool calls and answer for the wrong city.

Then a weekend-trip conversation: a ``TeamPipeline`` whose leader, the
Planner, assigns the Forecaster (who looks the weather up) and then the
Critic (who looks the plan up in the travel notes, through
``RAGMiddleware``'s ``search_knowledge`` tool), and answers once both have
replied. The conversation is one trace, rooted at the pipeline's
``invoke_workflow team_pipeline`` span; the notes are indexed before it, in
a trace of their own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import Any

from agentscope.agent import Agent
from agentscope.credential import CredentialBase
from agentscope.formatter import OpenAIChatFormatter
from agentscope.message import Msg, TextBlock, ToolCallBlock, UserMsg
from agentscope.middleware import RAGMiddleware
from agentscope.model import ChatModelBase, ChatResponse, ChatUsage
from agentscope.permission import PermissionBehavior, PermissionDecision
from agentscope.pipeline import TeamMember, TeamPipeline
from agentscope.tool import FunctionTool, Toolkit

from otelscope.demo import knowledge_v2, script

# The leader's tool that TeamPipeline adds and runs itself.
TEAM_ASSIGN = "TeamAssign"
RETRIEVAL_TOOL = "search_knowledge"


class ScriptedModel(ChatModelBase):  # type: ignore[misc]
    """A chat model that follows a script offline: its own if it was given
    one, else the current call's."""

    def __init__(self, own_script: script.CallScript | None = None) -> None:
        super().__init__(
            credential=CredentialBase(),
            model="scripted-model",
            parameters=ChatModelBase.Parameters(),
            stream=False,
            max_retries=0,
        )
        self.formatter = OpenAIChatFormatter()
        self.own_script = own_script

    async def _call_api(
        self, model_name: str, messages: list[Msg], *args: Any, **kwargs: Any
    ) -> ChatResponse | AsyncGenerator[ChatResponse, None]:
        call = self.own_script or script.current.get()
        if call is None:
            raise RuntimeError("the demo model runs only inside a demo call")
        await asyncio.sleep(call.delay())
        usage = ChatUsage(input_tokens=12 * len(messages), output_tokens=8, time=0.0)
        requests = call.next_requests()
        if not requests:
            return ChatResponse(content=[TextBlock(text=call.answer)], is_last=True, usage=usage)
        blocks = [
            ToolCallBlock(
                id=call.call_id(request), name=request.tool, input=json.dumps(request.arguments)
            )
            for request in requests
        ]
        return ChatResponse(content=blocks, is_last=True, usage=usage)


async def get_weather(city: str) -> str:
    """Get the weather of a city.

    Args:
        city (str): The city name.
    """
    await asyncio.sleep(0.005)
    return script.weather_of(city)


def weather_toolkit() -> Toolkit:
    # 2.x tools ask the user for permission unless told otherwise.
    allow = PermissionDecision(behavior=PermissionBehavior.ALLOW, message="demo")
    return Toolkit(tools=[FunctionTool(get_weather, permission=allow)])


def reply_text(reply: Msg) -> str:
    return "".join(block.text for block in reply.content if isinstance(block, TextBlock))


async def run() -> list[str]:
    """The weather answers in question order, then the conversation's answer."""
    answers = await overlapping_questions()
    answers.append(await weekend_trip())
    return answers


async def overlapping_questions() -> list[str]:
    """Four overlapping questions to four agents; returns the answers."""
    model = ScriptedModel()
    toolkit = weather_toolkit()

    async def ask(index: int, call: script.CallScript) -> str:
        script.current.set(call)
        agent = Agent(
            name=f"Friday-{index + 1}",
            system_prompt="You answer weather questions.",
            model=model,
            toolkit=toolkit,
        )
        return reply_text(await agent.reply(UserMsg(name="user", content=call.question)))

    return list(await asyncio.gather(*(ask(i, c) for i, c in enumerate(script.scripts()))))


def assignment(member: str, prompt: str) -> script.ToolRequest:
    return script.ToolRequest(TEAM_ASSIGN, {"member": member, "prompt": prompt}, member)


def planner_script() -> script.CallScript:
    """The leader asks for the weather, has its plan checked, then answers."""
    return script.CallScript(
        question=script.TRIP_QUESTION,
        rounds=[
            [assignment(script.FORECASTER, script.forecaster_script().question)],
            [assignment(script.CRITIC, f"Check this plan: {script.PLAN}")],
        ],
        answer=script.PLAN,
    )


async def weekend_trip() -> str:
    """The Planner leads the Forecaster and the Critic; returns its answer."""
    notes = RAGMiddleware(knowledge_bases=[await knowledge_v2.travel_notes()])
    planner = Agent(
        name=script.PLANNER,
        system_prompt="You plan trips with your team.",
        model=ScriptedModel(planner_script()),
        toolkit=Toolkit(),
    )
    forecaster = Agent(
        name=script.FORECASTER,
        system_prompt="You look up the weather.",
        model=ScriptedModel(script.forecaster_script()),
        toolkit=weather_toolkit(),
    )
    critic = Agent(
        name=script.CRITIC,
        system_prompt="You check plans against the travel notes.",
        model=ScriptedModel(script.critic_script(RETRIEVAL_TOOL)),
        toolkit=Toolkit(tools=await notes.list_tools()),
    )
    team = TeamPipeline(
        planner,
        [
            TeamMember(agent=forecaster, description="Knows the weather of any city."),
            TeamMember(agent=critic, description="Checks a plan."),
        ],
    )
    async for _event in team.reply_stream(UserMsg(name="user", content=script.TRIP_QUESTION)):
        pass  # the stream carries deltas; the whole answer is in the leader's context
    return reply_text(planner.state.context[-1])

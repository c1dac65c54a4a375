"""Real AgentScope 2.x agents driven offline by a scripted model.

The script of a call lives in a ContextVar, so concurrent calls each follow
their own script. Tools are allowed explicitly: 2.x tools default to asking
the user for permission.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

from agentscope.agent import Agent, ReActConfig
from agentscope.credential import CredentialBase
from agentscope.embedding import EmbeddingModelBase, EmbeddingResponse, EmbeddingUsage
from agentscope.formatter import OpenAIChatFormatter
from agentscope.message import Msg, TextBlock, ToolCallBlock, UserMsg
from agentscope.model import ChatModelBase, ChatResponse, ChatUsage
from agentscope.permission import PermissionBehavior, PermissionDecision
from agentscope.state import AgentState
from agentscope.tool import FunctionTool, ToolChunk, Toolkit
from opentelemetry import trace
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.trace import StatusCode

from otelscope.agentscope_v2 import readers

# The scripts the kit's models follow, the same on both lines.
from tests.lines.scripts import (  # noqa: F401 - the kit's names for them
    Script,
    Step,
    current_script,
    one_tool_round,
    random_two_tool_rounds,
    two_tool_rounds,
)

ALLOW = PermissionDecision(behavior=PermissionBehavior.ALLOW, message="test")


def usage() -> ChatUsage:
    return ChatUsage(input_tokens=10, output_tokens=5, time=0.0)


class ScriptedChatModel(ChatModelBase):
    class Parameters(ChatModelBase.Parameters):
        temperature: float | None = None
        max_tokens: int | None = None
        top_p: float | None = None

    def __init__(self, stream: bool = False, **parameters: Any) -> None:
        super().__init__(
            credential=CredentialBase(),
            model="scripted-model",
            parameters=self.Parameters(**parameters),
            stream=stream,
            max_retries=0,
        )
        self.formatter = OpenAIChatFormatter()

    async def _call_api(
        self,
        model_name: str,
        messages: list[Msg],
        tools: Any = None,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> ChatResponse | AsyncGenerator[ChatResponse, None]:
        script = current_script.get()
        assert script is not None, "no script for this call"
        step = script.next_step()
        if step.delay:
            await asyncio.sleep(step.delay)
        if step.error is not None:
            raise step.error
        content: list[Any]
        if step.tools:
            content = [
                ToolCallBlock(
                    id=f"{script.tag}-{script.calls_made}-{i}",
                    name=name,
                    input=json.dumps({"city": script.tag}),
                )
                for i, name in enumerate(step.tools)
            ]
        else:
            content = [TextBlock(text=step.text)]
        if not self.stream:
            return ChatResponse(
                content=content, is_last=True, usage=usage(), id=f"resp-{script.tag}"
            )
        return _delta_chunks(content, script.tag)


async def _delta_chunks(content: list[Any], tag: str) -> AsyncGenerator[ChatResponse, None]:
    if isinstance(content[0], TextBlock):
        text = content[0].text
        for start in range(0, len(text), 4):
            yield ChatResponse(
                content=[TextBlock(text=text[start : start + 4])], is_last=False, id=f"resp-{tag}"
            )
        yield ChatResponse(content=[], is_last=False, usage=usage(), id=f"resp-{tag}")
        return
    yield ChatResponse(content=content, is_last=False, usage=usage(), id=f"resp-{tag}")


async def get_weather(city: str) -> str:
    """Get the weather of a city.

    Args:
        city (str): The city name.
    """
    script = current_script.get()
    if script is not None:
        script.tool_runs += 1
        if script.tool_delay:
            await asyncio.sleep(script.tool_delay)
        # Which span the tool body runs under: tests check it is the
        # execute_tool span of this very call.
        running_in = trace.get_current_span().get_span_context()
        script.tool_parents.append(running_in.span_id)
        script.tool_contexts.append(running_in)
        if script.tool_error is not None:
            raise script.tool_error
    return f"Sunny in {city}"


def agent_id(agent: Agent) -> str:
    """The ``gen_ai.agent.id`` of ``agent``'s calls: 2.x agents have no id of
    their own, so otelscope draws one per agent, 16 hex digits."""
    found = readers.agent_id(agent)
    assert found is not None and re.fullmatch("[0-9a-f]{16}", found), found
    return found


def formatted(input_messages: int) -> dict[str, str | int]:
    """The chat span's record of how the agent's formatter prepared its
    input: none, since a 2.x model formats its input itself."""
    return {}


def make_toolkit(*functions: Any) -> Toolkit:
    """A toolkit of ``functions`` (the kit's ``get_weather`` if none)."""
    return Toolkit(tools=[FunctionTool(f, permission=ALLOW) for f in functions or (get_weather,)])


# A 2.x Agent keeps the state of its reply on the instance: overlapping
# calls need an agent each.
ONE_AGENT_SERVES_OVERLAPPING_CALLS = False


async def call_tool_directly(toolkit: Toolkit, call_id: str, name: str, city: str) -> None:
    """Run the tool ``name`` of ``toolkit`` for ``city`` outside any agent call."""
    tool_call = ToolCallBlock(id=call_id, name=name, input=json.dumps({"city": city}))
    async for _ in toolkit.call_tool(tool_call, AgentState()):
        pass


def tool_output(text: str) -> str:
    """What a tool function returns to answer ``text``."""
    return text


def make_agent(
    name: str = "Friday",
    model: ChatModelBase | None = None,
    toolkit: Toolkit | None = None,
    middlewares: list[Any] | None = None,
    max_iters: int = 10,
) -> Agent:
    return Agent(
        name=name,
        system_prompt="You are a test agent.",
        model=model or ScriptedChatModel(),
        toolkit=toolkit or make_toolkit(),
        middlewares=middlewares,
        react_config=ReActConfig(max_iters=max_iters),
    )


async def call_with(agent: Agent, script: Script, text: str = "weather?") -> Msg:
    current_script.set(script)
    return await agent.reply(UserMsg(name="user", content=text))


async def reply_to(agent: Agent, text: str) -> Msg:
    """Call ``agent`` with the user message ``text``, the way an application does."""
    return await agent.reply(UserMsg(name="user", content=text))


def reply_text(msg: Msg) -> str:
    """The text of a reply."""
    return "".join(b.text for b in msg.content if isinstance(b, TextBlock))


def finished_reason(msg: Msg) -> str | None:
    """Why a reply ended, as the message says."""
    return str(msg.finished_reason)


def model_input(text: str) -> list[Msg]:
    """The messages of a model called directly with the user's ``text``."""
    return [UserMsg(name="user", content=text)]


# -- Helpers for failure, cancellation, streaming and lifecycle tests --------


class Gate:
    """A point where scripted code stops: it signals ``arrived``, then waits
    until ``opened`` is set (or until its task is cancelled). Create it inside
    the event loop that uses it."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.opened = asyncio.Event()

    async def pass_through(self) -> None:
        self.arrived.set()
        await self.opened.wait()


class GatedChatModel(ScriptedChatModel):
    """A ScriptedChatModel that stops at ``gate`` in the listed model calls
    (1-based, counted per script) after it has taken its step, as a model with
    latency would: ``Script.calls_made`` counts the call even if it never
    returns."""

    def __init__(
        self, gate: Gate, on_calls: tuple[int, ...] = (1,), stream: bool = False, **parameters: Any
    ) -> None:
        super().__init__(stream=stream, **parameters)
        self.gate = gate
        self.on_calls = on_calls

    async def _call_api(
        self,
        model_name: str,
        messages: list[Msg],
        tools: Any = None,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> ChatResponse | AsyncGenerator[ChatResponse, None]:
        response = await super()._call_api(model_name, messages, tools, tool_choice, **kwargs)
        script = current_script.get()
        if script is not None and script.calls_made in self.on_calls:
            await self.gate.pass_through()
        return response


class GatedWeather:
    """A ``get_weather`` tool (same name, schema and description as the kit's)
    that stops at ``gate`` in the listed runs (1-based); ``runs`` counts how
    often its body started."""

    def __init__(self, gate: Gate, on_runs: tuple[int, ...] = (1,)) -> None:
        self.gate = gate
        self.on_runs = on_runs
        self.runs = 0

        async def get_weather(city: str) -> str:
            """Get the weather of a city.

            Args:
                city (str): The city name.
            """
            self.runs += 1
            if self.runs in self.on_runs:
                await self.gate.pass_through()
            return f"Sunny in {city}"

        self.function = get_weather


class StreamBroke(Exception):
    """Raised from inside a model's response stream."""


class MidStreamFailingChatModel(ScriptedChatModel):
    """A streaming model whose response stream yields ``chunks_before`` text
    deltas and then raises ``error`` (the same object every time)."""

    def __init__(self, error: BaseException, chunks_before: int = 1) -> None:
        super().__init__(stream=True)
        self.error = error
        self.chunks_before = chunks_before
        self.calls = 0

    async def _call_api(
        self,
        model_name: str,
        messages: list[Msg],
        tools: Any = None,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> AsyncGenerator[ChatResponse, None]:
        self.calls += 1
        return self._broken_stream()

    async def _broken_stream(self) -> AsyncGenerator[ChatResponse, None]:
        for index in range(self.chunks_before):
            yield ChatResponse(
                content=[TextBlock(text=f"part{index} ")], is_last=False, id="resp-broken"
            )
        raise self.error


async def stream_weather(city: str) -> AsyncGenerator[ToolChunk, None]:
    """Stream the weather of a city.

    Args:
        city (str): The city name.
    """
    for part in ("Sunny", " in ", city):
        script = current_script.get()
        if script is not None:
            script.tool_parents.append(trace.get_current_span().get_span_context().span_id)
        # Deltas of one text block: the toolkit accumulates them by block id.
        yield ToolChunk(content=[TextBlock(text=part, id="weather-text")], is_last=False)


class OpenSpans(SpanProcessor):
    """Remembers the spans that started and have not ended yet."""

    def __init__(self) -> None:
        self._open: dict[int, str] = {}

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        self._open[span.get_span_context().span_id] = span.name

    def on_end(self, span: Any) -> None:
        self._open.pop(span.get_span_context().span_id, None)

    def names(self) -> list[str]:
        return sorted(self._open.values())


async def outcome_of(awaitable: Any) -> tuple[Any, ...]:
    """What the caller of an agent call gets, in a comparable form."""
    try:
        msg = await awaitable
    except BaseException as error:  # cancellation is an outcome too
        return ("raised", type(error), str(error))
    return ("returned", str(msg.finished_reason), reply_text(msg))


def no_middleware_left(agent: Agent) -> bool:
    """True when none of the agent's middleware lists holds anything."""
    return (
        agent._reply_middlewares == []
        and agent._reasoning_middlewares == []
        and agent._acting_middlewares == []
    )


def nothing_left_on(agent: Agent) -> bool:
    """True when otelscope left nothing on ``agent`` after its calls: no
    middleware of its own (nor any other) in the agent's lists."""
    return no_middleware_left(agent)


def assert_failed(node: Any, error_type: str, description: str, message: str) -> None:
    """The span of ``node`` ended failed by one recorded exception."""
    assert node.status == StatusCode.ERROR, node.name
    assert node.span.status.description == description
    assert node.attributes["error.type"] == error_type
    assert [
        (e.name, e.attributes["exception.type"], e.attributes["exception.message"])
        for e in node.span.events
    ] == [("exception", error_type, message)]


def assert_cancelled(node: Any) -> None:
    """The span of ``node`` ended cancelled (no exception recorded)."""
    assert node.status == StatusCode.ERROR, node.name
    assert node.span.status.description == "cancelled"
    assert node.attributes["error.type"] == "cancelled"
    assert node.span.events == ()


def assert_ok(node: Any) -> None:
    """The span of ``node`` ended without error."""
    assert node.status == StatusCode.UNSET, node.name
    assert "error.type" not in node.attributes
    assert node.span.events == ()


def conversation_id(agent: Agent) -> str:
    """The ``gen_ai.conversation.id`` of a call of ``agent`` the application
    did not name: AgentScope 2.x's session id of the agent's state."""
    return agent.state.session_id


# -- Helpers for multi-agent workflows -----------------------------------------


@dataclass
class CallTool(Step):
    """A model response that calls the tool ``name`` with ``arguments`` as
    given (``Step.tools`` always asks for a city), e.g. a pipeline's own tool."""

    name: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)


class OwnScriptChatModel(ScriptedChatModel):
    """A ScriptedChatModel that follows its own ``script``, whatever script the
    calling context holds: one per agent when several agents take turns in
    one workflow (or run in tasks that share the workflow's context)."""

    def __init__(self, script: Script, stream: bool = False, **parameters: Any) -> None:
        super().__init__(stream=stream, **parameters)
        self.script = script

    async def _call_api(
        self,
        model_name: str,
        messages: list[Msg],
        tools: Any = None,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> ChatResponse | AsyncGenerator[ChatResponse, None]:
        script = self.script
        step = script.steps[min(script.calls_made, len(script.steps) - 1)]
        if isinstance(step, CallTool):
            script.calls_made += 1
            call = ToolCallBlock(
                id=f"{script.tag}-{script.calls_made}-0",
                name=step.name,
                input=json.dumps(step.arguments),
            )
            return ChatResponse(
                content=[call], is_last=True, usage=usage(), id=f"resp-{script.tag}"
            )
        token = current_script.set(script)
        try:
            return await super()._call_api(model_name, messages, tools, tool_choice, **kwargs)
        finally:
            current_script.reset(token)


def make_scripted_agent(name: str, *steps: Step, tag: str | None = None) -> Agent:
    """An agent whose model follows a script of its own (``tag`` defaults to
    the agent's name: the city its tool calls ask about)."""
    return make_agent(name=name, model=OwnScriptChatModel(Script(tag or name, list(steps))))


# -- Embedding models ------------------------------------------------------------


class ScriptedEmbedding(EmbeddingModelBase):
    """Two-dimensional vectors, 3 tokens per input, offline; ``batches``
    holds the inputs of each run of its code (2.x splits a call's inputs in
    batches of ``batch_size``)."""

    def __init__(self, batch_size: int = 8, fail: bool = False) -> None:
        super().__init__(
            credential=CredentialBase(),
            model="scripted-embedding",
            dimensions=2,
            parameters=None,
            context_size=512,
            batch_size=batch_size,
            max_retries=0,
            retry_delay=0.0,
        )
        self.fail = fail
        self.batches: list[list[Any]] = []

    async def _call_api(self, inputs: list[Any], **kwargs: Any) -> EmbeddingResponse:
        self.batches.append(list(inputs))
        if self.fail:
            raise ConnectionError("embedding service down")
        return EmbeddingResponse(
            embeddings=[[float(len(text)), 1.0] for text in inputs],
            usage=EmbeddingUsage(tokens=3 * len(inputs), time=0.0),
        )


class OverridingEmbedding(ScriptedEmbedding):
    """Overrides ``__call__`` like AgentScope's DashScope and Gemini models."""

    async def __call__(self, inputs: list[Any], **kwargs: Any) -> EmbeddingResponse:
        return await super().__call__(inputs, **kwargs)

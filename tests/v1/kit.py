"""Real AgentScope 1.x agents driven offline by a scripted model.

The script of a call lives in a ContextVar, so overlapping calls on one agent
each follow their own script, whatever the shared memory holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from agentscope.agent import ReActAgent
from agentscope.embedding import EmbeddingModelBase, EmbeddingResponse, EmbeddingUsage
from agentscope.formatter import OpenAIChatFormatter
from agentscope.message import Msg, TextBlock, ToolUseBlock
from agentscope.model import ChatModelBase, ChatResponse
from agentscope.model._model_usage import ChatUsage
from agentscope.tool import Toolkit, ToolResponse
from opentelemetry import trace
from opentelemetry.sdk.trace import SpanProcessor

# The scripts the kit's models follow, the same on both lines.
from tests.lines.scripts import (  # noqa: F401 - the kit's names for them
    Script,
    Step,
    current_script,
    one_tool_round,
    random_two_tool_rounds,
    two_tool_rounds,
)

# The AgentScope release under test, for the few facts of AgentScope itself
# that changed between the releases the suite runs on (1.0.8 and 1.0.21).
AGENTSCOPE_VERSION = tuple(int(part) for part in metadata.version("agentscope").split(".")[:3])


def usage() -> ChatUsage:
    return ChatUsage(input_tokens=10, output_tokens=5, time=0.0)


class ScriptedChatModel(ChatModelBase):
    def __init__(self, stream: bool = False, **generate_kwargs: Any) -> None:
        super().__init__(model_name="scripted-model", stream=stream)
        self.generate_kwargs = generate_kwargs

    async def __call__(
        self,
        messages: list[dict],
        tools: Any = None,
        tool_choice: Any = None,
        structured_model: Any = None,
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
                ToolUseBlock(
                    type="tool_use",
                    id=f"{script.tag}-{script.calls_made}-{i}",
                    name=name,
                    input={"city": script.tag},
                )
                for i, name in enumerate(step.tools)
            ]
        else:
            content = [TextBlock(type="text", text=step.text)]
        if not self.stream:
            return ChatResponse(content=content, usage=usage(), id=f"resp-{script.tag}")
        return _cumulative_chunks(content, script.tag)


async def _cumulative_chunks(content: list[Any], tag: str) -> AsyncGenerator[ChatResponse, None]:
    if content[0]["type"] == "text":
        text = content[0]["text"]
        for end in range(1, len(text) + 1, 4):
            yield ChatResponse(content=[TextBlock(type="text", text=text[:end])], id=f"resp-{tag}")
    yield ChatResponse(content=content, usage=usage(), id=f"resp-{tag}")


async def get_weather(city: str) -> ToolResponse:
    """Get the weather of a city.

    Args:
        city (str): The city name.
    """
    script = current_script.get()
    if script is not None:
        script.tool_runs += 1
    if script is not None and script.tool_delay:
        await asyncio.sleep(script.tool_delay)
    if script is not None and script.tool_error is not None:
        raise script.tool_error
    if script is not None:
        # Which span the tool body runs under: the test checks it is the
        # execute_tool span of this very call.
        running_in = trace.get_current_span().get_span_context()
        script.tool_parents.append(running_in.span_id)
        script.tool_contexts.append(running_in)
    return ToolResponse(content=[TextBlock(type="text", text=f"Sunny in {city}")])


def agent_id(agent: ReActAgent) -> str:
    """The ``gen_ai.agent.id`` of ``agent``'s calls: a 1.x agent's own id."""
    return str(agent.id)


def formatted(input_messages: int) -> dict[str, str | int]:
    """The chat span's record of how the agent's ``OpenAIChatFormatter``
    prepared its input: ``input_messages`` messages, none truncated."""
    return {
        "otelscope.formatter.name": "OpenAIChatFormatter",
        "otelscope.formatter.input_messages": input_messages,
        "otelscope.formatter.truncated_messages": 0,
    }


def make_toolkit(*functions: Any) -> Toolkit:
    """A toolkit of ``functions`` (the kit's ``get_weather`` if none)."""
    toolkit = Toolkit()
    for function in functions or (get_weather,):
        toolkit.register_tool_function(function)
    return toolkit


# A 1.x ReActAgent serves overlapping calls: one agent can take them all.
ONE_AGENT_SERVES_OVERLAPPING_CALLS = True


async def call_tool_directly(toolkit: Toolkit, call_id: str, name: str, city: str) -> None:
    """Run the tool ``name`` of ``toolkit`` for ``city`` outside any agent call."""
    tool_call = ToolUseBlock(type="tool_use", id=call_id, name=name, input={"city": city})
    async for _ in await toolkit.call_tool_function(tool_call):
        pass


def tool_output(text: str) -> ToolResponse:
    """What a tool function returns to answer ``text``."""
    return ToolResponse(content=[TextBlock(type="text", text=text)])


def make_agent(
    name: str = "Friday",
    model: ChatModelBase | None = None,
    toolkit: Toolkit | None = None,
    parallel_tool_calls: bool = False,
    max_iters: int = 10,
) -> ReActAgent:
    return ReActAgent(
        name=name,
        sys_prompt="You are a test agent.",
        model=model or ScriptedChatModel(),
        formatter=OpenAIChatFormatter(),
        toolkit=toolkit or make_toolkit(),
        parallel_tool_calls=parallel_tool_calls,
        max_iters=max_iters,
    )


async def call_with(agent: ReActAgent, script: Script, text: str = "weather?") -> Msg:
    """Call ``agent`` in a context that carries ``script``."""
    current_script.set(script)
    return await agent(Msg("user", text, "user"))


async def reply_to(agent: Any, text: str) -> Msg:
    """Call ``agent`` with the user message ``text``, the way an application does."""
    return await agent(Msg("user", text, "user"))


def reply_text(msg: Msg) -> str | None:
    """The text of a reply."""
    return msg.get_text_content()


def finished_reason(msg: Msg) -> str | None:
    """Why a reply ended: 1.x messages do not say."""
    return None


def model_input(text: str) -> list[dict[str, str]]:
    """The messages of a model called directly with the user's ``text``."""
    return [{"role": "user", "content": text}]


# -- Helpers for failure, cancellation and streaming tests ---------------------


@dataclass
class GatedScript(Script):
    """A script that sets ``model_waiting`` when its model starts a delayed
    step, so a test can cancel the call exactly while the model waits."""

    model_waiting: asyncio.Event = field(default_factory=asyncio.Event)

    def next_step(self) -> Step:
        step = super().next_step()
        if step.delay:
            self.model_waiting.set()
        return step


@dataclass
class ToolGate:
    """Makes call number ``on_call`` of a gated ``get_weather`` set
    ``waiting`` and then sleep ``delay`` seconds."""

    on_call: int
    delay: float
    waiting: asyncio.Event = field(default_factory=asyncio.Event)
    calls: int = 0


def make_gated_toolkit(gate: ToolGate) -> Toolkit:
    """A toolkit whose ``get_weather`` waits where ``gate`` says."""

    async def get_weather(city: str) -> ToolResponse:
        """Get the weather of a city.

        Args:
            city (str): The city name.
        """
        gate.calls += 1
        if gate.calls == gate.on_call:
            gate.waiting.set()
            await asyncio.sleep(gate.delay)
        return ToolResponse(content=[TextBlock(type="text", text=f"Sunny in {city}")])

    toolkit = Toolkit()
    toolkit.register_tool_function(get_weather)
    return toolkit


class BrokenStreamModel(ChatModelBase):
    """A streaming model that yields ``good_chunks`` cumulative chunks and then
    raises ``error`` from inside its stream."""

    def __init__(self, error: BaseException, good_chunks: int = 1) -> None:
        super().__init__(model_name="broken-stream", stream=True)
        self.error = error
        self.good_chunks = good_chunks
        self.calls_made = 0

    async def __call__(self, messages: list[dict], *args: Any, **kwargs: Any) -> Any:
        self.calls_made += 1
        return self._chunks()

    async def _chunks(self) -> AsyncGenerator[ChatResponse, None]:
        text = ""
        for i in range(self.good_chunks):
            text += f"part{i} "
            yield ChatResponse(content=[TextBlock(type="text", text=text)], id="resp-broken")
        raise self.error


class StartedSpans(SpanProcessor):
    """A span processor that records every span started, to prove that each
    one also ended (add it with ``provider.add_span_processor``)."""

    def __init__(self) -> None:
        self.span_ids: list[int] = []

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        self.span_ids.append(span.context.span_id)


def nothing_left_on(agent: ReActAgent) -> bool:
    """True when otelscope left nothing on ``agent`` after its calls: it
    patches 1.x classes, never an agent, so there is nothing to look for."""
    return True


def run_id() -> str:
    """The ``gen_ai.conversation.id`` of a call the application did not name:
    AgentScope 1.x's run id (``agentscope.init(run_id=...)``, else one per
    process), as the running context sees it."""
    import agentscope

    return agentscope._config.run_id


def conversation_id(agent: Any) -> str:
    """The ``gen_ai.conversation.id`` of a call of ``agent`` the application
    did not name: on 1.x the run id, whatever the agent."""
    return run_id()


# -- Helpers for multi-agent workflows -------------------------------------------


class OwnScriptChatModel(ScriptedChatModel):
    """A ScriptedChatModel that follows its own ``script``, whatever script the
    calling context holds: one per agent when several agents take turns in
    one workflow (or in tasks that share the workflow's context)."""

    def __init__(self, script: Script, stream: bool = False, **generate_kwargs: Any) -> None:
        super().__init__(stream=stream, **generate_kwargs)
        self.script = script

    async def __call__(self, messages: list[dict], *args: Any, **kwargs: Any) -> Any:
        token = current_script.set(self.script)
        try:
            return await super().__call__(messages, *args, **kwargs)
        finally:
            current_script.reset(token)


def make_scripted_agent(name: str, *steps: Step, tag: str | None = None) -> ReActAgent:
    """An agent whose model follows a script of its own (``tag`` defaults to
    the agent's name: the city its tool calls ask about)."""
    return make_agent(name=name, model=OwnScriptChatModel(Script(tag or name, list(steps))))


# -- Embedding models ----------------------------------------------------------


class ScriptedEmbedding(EmbeddingModelBase):
    """Two-dimensional vectors, 3 tokens per input, offline; ``batches``
    holds the inputs of each run of its code (1.x embeds a call's inputs in
    one batch: ``batch_size`` is left unused)."""

    def __init__(self, batch_size: int = 8, fail: bool = False) -> None:
        super().__init__(model_name="scripted-embedding", dimensions=2)
        self.fail = fail
        self.batches: list[list[Any]] = []

    async def __call__(self, text: list[str], **kwargs: Any) -> EmbeddingResponse:
        self.batches.append(list(text))
        if self.fail:
            raise ConnectionError("embedding service down")
        return EmbeddingResponse(
            embeddings=[[float(len(item)), 1.0] for item in text],
            usage=EmbeddingUsage(time=0.0, tokens=3 * len(text)),
        )


class OverridingEmbedding(ScriptedEmbedding):
    """A subclass that overrides ``__call__`` again, calling its base."""

    async def __call__(self, text: list[str], **kwargs: Any) -> EmbeddingResponse:
        return await super().__call__(text, **kwargs)

"""Generated scenarios on AgentScope 1.x: what they are, how they run, and the
exact trace each one must produce.

A scenario is a few batches of concurrent top-level calls on a few
``ReActAgent`` instances (several calls may share one). Each agent call
follows its own script: tool rounds (1 to 3 tools each, parallel on some
agents, some tools asking a nested ``Expert`` agent), a final answer, and at
most one failure: the model raising, a tool raising, or the call's task
cancelled while its model or one of its tools waits on a gate. A batch may
also hold direct streams: user code that reads a model's stream to the end or
abandons it half-way. Between batches otelscope is instrumented or not.

The expected model follows what AgentScope 1.x does with each of these (see
``tests/v1/test_failures.py``): a model error propagates from the call; a
tool error becomes an ``Error:`` answer and the call goes on; a cancellation
is absorbed and answered "interrupted"; after ``max_iters`` tool rounds the
agent is forced to answer in one more round (``_summarizing``).
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from agentscope.agent import ReActAgent
from agentscope.message import Msg, TextBlock
from agentscope.tool import Toolkit, ToolResponse
from hypothesis import strategies as st

from otelscope import conversation
from otelscope.agentscope_v1 import formatting, model_calls, tool_failures
from tests.scenario_invariants import CANCELLED, OK, leftover_call_state, status_label
from tests.spantree import Node
from tests.v1.kit import (
    GatedScript,
    Script,
    ScriptedChatModel,
    Step,
    current_script,
    get_weather,
    make_agent,
)

# The 1.x adapter's own per-call ContextVars (the core's are always checked).
V1_CALL_STATE = (
    formatting._last_formatted,
    formatting._truncation,
    formatting._formatting._running,
    formatting._truncating._running,
    model_calls._model_calls._running,
    tool_failures._absorbing,
)

FORECAST = "forecast"
ASK_EXPERT = "ask_expert"
MODEL_ERROR = "model_error"
TOOL_ERROR = "tool_error"
CANCEL_IN_MODEL = "cancel_in_model"
CANCEL_IN_TOOL = "cancel_in_tool"
FailureKind = Literal["model_error", "tool_error", "cancel_in_model", "cancel_in_tool"]
# A gate is never reached by its sleep's end: the call is cancelled first.
GATE_SECONDS = 30.0
# Bounds a batch whose cancellation never came (a failing test, not a hang).
BATCH_TIMEOUT = 20.0
STREAM_TEXT = "Streaming forecast"
CHAT = "chat scripted-model"


# -- The plan of a scenario ------------------------------------------------------


@dataclass(frozen=True)
class AgentPlan:
    name: str
    stream: bool
    parallel: bool
    max_iters: int


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    round: int  # 1-based
    tool: int = 0  # index in the round, for tool failures


@dataclass(frozen=True)
class CallPlan:
    """One top-level agent call: its tool rounds, then a final answer."""

    tag: str
    agent: int
    tool_rounds: tuple[tuple[str, ...], ...]
    expert_tool_rounds: int
    failure: Failure | None


@dataclass(frozen=True)
class StreamPlan:
    """User code calling a streaming model directly and reading ``chunks_read``
    chunks before closing the stream (None: to the end)."""

    tag: str
    chunks_read: int | None


@dataclass(frozen=True)
class Batch:
    instrumented: bool
    calls: tuple[CallPlan | StreamPlan, ...]


@dataclass(frozen=True)
class Scenario:
    agents: tuple[AgentPlan, ...]
    batches: tuple[Batch, ...]


class Round(NamedTuple):
    number: int
    tools: tuple[str, ...]
    summarizing: bool


def executed_rounds(call: CallPlan, agent: AgentPlan) -> list[Round]:
    """The rounds the agent runs if nothing fails: at most ``max_iters`` tool
    rounds, then the answer (forced by ``_summarizing`` when they ran out)."""
    tool_rounds = call.tool_rounds[: agent.max_iters]
    rounds = [Round(n, tools, False) for n, tools in enumerate(tool_rounds, 1)]
    summarizing = len(call.tool_rounds) >= agent.max_iters
    rounds.append(Round(len(rounds) + 1, (), summarizing))
    return rounds


def stream_chunks() -> int:
    """How many chunks the kit's streaming model yields for ``STREAM_TEXT``."""
    return len(range(1, len(STREAM_TEXT) + 1, 4)) + 1


# -- The strategy ----------------------------------------------------------------

agent_plans = st.builds(
    AgentPlan,
    name=st.just(""),
    stream=st.booleans(),
    parallel=st.booleans(),
    max_iters=st.sampled_from([10, 2]),
)
tool_rounds = st.lists(
    st.lists(st.sampled_from([FORECAST, ASK_EXPERT]), min_size=1, max_size=3).map(tuple),
    max_size=3,
).map(tuple)


@st.composite
def failures(draw: st.DrawFn, rounds: list[Round]) -> Failure | None:
    kinds: list[FailureKind] = [MODEL_ERROR, CANCEL_IN_MODEL]
    tool_places = [(r.number, j) for r in rounds for j in range(len(r.tools))]
    if tool_places:
        kinds += [TOOL_ERROR, CANCEL_IN_TOOL]
    kind = draw(st.none() | st.sampled_from(kinds))
    if kind is None:
        return None
    if kind in (MODEL_ERROR, CANCEL_IN_MODEL):
        return Failure(kind, draw(st.integers(1, len(rounds))))
    number, tool = draw(st.sampled_from(tool_places))
    return Failure(kind, number, tool)


def _cancel_round_without_experts(plan: CallPlan) -> CallPlan:
    """A cancelled call's nested agent would absorb the cancellation itself
    and its tool would return normally; the round a tool is cancelled in asks
    no expert, so every span of that round ends as the model says."""
    failure = plan.failure
    if failure is None or failure.kind != CANCEL_IN_TOOL:
        return plan
    rounds = list(plan.tool_rounds)
    rounds[failure.round - 1] = (FORECAST,) * len(rounds[failure.round - 1])
    return CallPlan(plan.tag, plan.agent, tuple(rounds), plan.expert_tool_rounds, failure)


@st.composite
def call_plans(draw: st.DrawFn, tag: str, agents: Sequence[AgentPlan]) -> CallPlan:
    agent = draw(st.integers(0, len(agents) - 1))
    rounds = draw(tool_rounds)
    plan = CallPlan(tag, agent, rounds, draw(st.integers(0, 1)), None)
    failure = draw(failures(executed_rounds(plan, agents[agent])))
    return _cancel_round_without_experts(
        CallPlan(tag, agent, rounds, plan.expert_tool_rounds, failure)
    )


@st.composite
def batches(draw: st.DrawFn, number: int, agents: Sequence[AgentPlan]) -> Batch:
    count = draw(st.integers(1, 3))
    calls: list[CallPlan | StreamPlan] = []
    for index in range(count):
        tag = f"b{number}c{index}"
        if draw(st.integers(0, 4)) == 0:
            read = st.none() | st.integers(0, stream_chunks() - 1)
            calls.append(StreamPlan(tag, draw(read)))
        else:
            calls.append(draw(call_plans(tag, agents)))
    return Batch(draw(st.booleans() | st.just(True)), tuple(calls))


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    drawn = draw(st.lists(agent_plans, min_size=1, max_size=3))
    agents = tuple(
        AgentPlan(f"Agent{i}", a.stream, a.parallel, a.max_iters) for i, a in enumerate(drawn)
    )
    count = draw(st.integers(1, 3))
    return Scenario(agents, tuple(draw(batches(n, agents)) for n in range(count)))


# -- Running a scenario ----------------------------------------------------------


@dataclass
class CallScript(GatedScript):
    """A call's script, with its tool failure or tool gate (by tool run)."""

    fail_tool_run: int | None = None
    gate_tool_run: int | None = None
    tool_waiting: asyncio.Event = field(default_factory=asyncio.Event)
    expert_tool_rounds: int = 0
    expert_scripts: list[Script] = field(default_factory=list)
    expert: ReActAgent | None = None


def tool_run_index(plan: CallPlan, failure: Failure) -> int:
    """Tools start in order (``asyncio.gather`` starts them in order too), so
    a tool is known by how many of the call's tools started before it."""
    return sum(len(tools) for tools in plan.tool_rounds[: failure.round - 1]) + failure.tool


def build_script(plan: CallPlan) -> CallScript:
    steps = [Step(tools=list(tools)) for tools in plan.tool_rounds]
    steps.append(Step(text=f"Done {plan.tag}"))
    script = CallScript(plan.tag, steps, expert_tool_rounds=plan.expert_tool_rounds)
    failure = plan.failure
    if failure is None:
        return script
    if failure.kind == MODEL_ERROR:
        steps[failure.round - 1] = Step(error=RuntimeError(f"model failed in {plan.tag}"))
    elif failure.kind == CANCEL_IN_MODEL:
        steps[failure.round - 1].delay = GATE_SECONDS
    elif failure.kind == TOOL_ERROR:
        script.fail_tool_run = tool_run_index(plan, failure)
    else:
        script.gate_tool_run = tool_run_index(plan, failure)
    return script


async def _tool_start(city: str) -> CallScript:
    """What every scenario tool does first: count the run, then fail or wait
    where the call's script says."""
    script = current_script.get()
    assert isinstance(script, CallScript), f"no call script for {city}"
    run = script.tool_runs
    script.tool_runs += 1
    if run == script.fail_tool_run:
        raise ValueError(f"tool failed for {city}")
    if run == script.gate_tool_run:
        script.tool_waiting.set()
        await asyncio.sleep(GATE_SECONDS)
    return script


async def forecast(city: str) -> ToolResponse:
    """Forecast the weather of a city.

    Args:
        city (str): The city name.
    """
    await _tool_start(city)
    return ToolResponse(content=[TextBlock(type="text", text=f"Sunny in {city}")])


def expert_script(tag: str, tool_rounds: int, city: str) -> Script:
    steps = [Step(tools=["get_weather"]) for _ in range(tool_rounds)]
    return Script(tag, [*steps, Step(text=f"Expert on {city}")])


async def ask_expert(city: str) -> ToolResponse:
    """Ask the expert agent about a city.

    Args:
        city (str): The city name.
    """
    script = await _tool_start(city)
    assert script.expert is not None, "no expert for this call"
    tag = f"{script.tag}.e{len(script.expert_scripts) + 1}"
    inner = expert_script(tag, script.expert_tool_rounds, city)
    script.expert_scripts.append(inner)
    token = current_script.set(inner)
    try:
        answer = await script.expert(Msg("user", city, "user"))
    finally:
        current_script.reset(token)
    return ToolResponse(content=[TextBlock(type="text", text=str(answer.get_text_content()))])


@functools.cache
def shared_toolkit() -> Toolkit:
    """One toolkit for every agent of every scenario: registering a function
    parses its docstring, which would cost more than a whole scenario."""
    toolkit = Toolkit()
    for function in (forecast, ask_expert, get_weather):
        toolkit.register_tool_function(function)
    return toolkit


class World:
    """The agents and models of one run of a scenario."""

    def __init__(self, scenario: Scenario) -> None:
        self.expert = make_agent(name="Expert", toolkit=shared_toolkit())
        self.agents = [
            make_agent(
                name=plan.name,
                model=ScriptedChatModel(stream=plan.stream),
                toolkit=shared_toolkit(),
                parallel_tool_calls=plan.parallel,
                max_iters=plan.max_iters,
            )
            for plan in scenario.agents
        ]
        self.streaming_model = ScriptedChatModel(stream=True)

    async def memories(self) -> list[list[str]]:
        """Each agent's memory as a sorted list: calls sharing an agent
        interleave their messages in an order that wall time decides."""
        memories = []
        for agent in [*self.agents, self.expert]:
            messages = await agent.memory.get_memory()
            memories.append(sorted(_message_record(message) for message in messages))
        return memories


def _message_record(message: Msg) -> str:
    return json.dumps([message.name, message.role, message.content], sort_keys=True, default=str)


@dataclass
class CallRecord:
    """What a call's user sees (``outcome``, counters) and what otelscope
    left in the call's context once it ended (``leftover``)."""

    outcome: tuple[Any, ...]
    counters: tuple[Any, ...]
    leftover: dict[str, object]


async def run_agent_call(agent: ReActAgent, plan: CallPlan, script: CallScript) -> CallRecord:
    outcome: tuple[Any, ...]
    with conversation(plan.tag):
        current_script.set(script)
        try:
            reply = await agent(Msg("user", f"weather for {plan.tag}?", "user"))
            outcome = ("reply", reply.get_text_content(), reply.metadata)
        except Exception as error:
            outcome = ("raised", type(error).__name__, str(error))
    experts = tuple((s.tag, s.calls_made, s.tool_runs) for s in script.expert_scripts)
    counters = (script.calls_made, script.tool_runs, experts)
    return CallRecord(outcome, counters, leftover_call_state(V1_CALL_STATE))


async def run_stream(model: ScriptedChatModel, plan: StreamPlan) -> CallRecord:
    script = Script(plan.tag, [Step(text=STREAM_TEXT)])
    texts: list[str] = []
    with conversation(plan.tag):
        current_script.set(script)
        stream = await model([{"role": "user", "content": plan.tag}])
        if plan.chunks_read is None:
            texts = [chunk.content[0]["text"] async for chunk in stream]
        else:
            for _ in range(plan.chunks_read):
                texts.append((await anext(stream)).content[0]["text"])
            await stream.aclose()
    return CallRecord(("stream", texts), (script.calls_made,), leftover_call_state(V1_CALL_STATE))


async def _cancel_when(gate: asyncio.Event, task: asyncio.Task[CallRecord]) -> None:
    await gate.wait()
    task.cancel()


def _cancel_gate(plan: CallPlan, script: CallScript) -> asyncio.Event | None:
    kind = plan.failure.kind if plan.failure is not None else None
    if kind == CANCEL_IN_MODEL:
        return script.model_waiting
    return script.tool_waiting if kind == CANCEL_IN_TOOL else None


async def run_batch(world: World, batch: Batch) -> list[CallRecord]:
    tasks: list[asyncio.Task[CallRecord]] = []
    watchers: list[asyncio.Task[None]] = []
    for plan in batch.calls:
        if isinstance(plan, StreamPlan):
            tasks.append(asyncio.create_task(run_stream(world.streaming_model, plan)))
            continue
        script = build_script(plan)
        script.expert = world.expert
        task = asyncio.create_task(run_agent_call(world.agents[plan.agent], plan, script))
        tasks.append(task)
        gate = _cancel_gate(plan, script)
        if gate is not None:
            watchers.append(asyncio.create_task(_cancel_when(gate, task)))
    try:
        async with asyncio.timeout(BATCH_TIMEOUT):
            return list(await asyncio.gather(*tasks))
    finally:
        for watcher in watchers:
            watcher.cancel()


# -- The expected trace ------------------------------------------------------------


class Span(NamedTuple):
    """A span as the model predicts it: name, outcome (``status_label``), the
    attribute that ties it to its call (round number and finish reason, tool
    call id, response id), children in start order."""

    name: str
    status: str
    key: Any
    children: tuple[Span, ...] = ()


def observed(node: Node) -> Span:
    """The exported tree of ``node`` in the model's terms."""
    attributes = node.attributes
    key: Any = None
    if node.name == "react step":
        key = (attributes["gen_ai.react.round"], attributes.get("gen_ai.react.finish_reason"))
    elif node.name.startswith("execute_tool "):
        key = attributes["gen_ai.tool.call.id"]
    elif node.name.startswith("chat "):
        key = attributes.get("gen_ai.response.id")
    return Span(node.name, status_label(node.span), key, tuple(observed(c) for c in node.children))


def _answer(tag: str, number: int, tools: tuple[Span, ...], summarizing: bool) -> Span:
    reason = "tool_calls" if tools and not summarizing else "stop"
    return Span("react step", OK, (number, reason), (Span(CHAT, OK, f"resp-{tag}"), *tools))


def expected_expert_call(tag: str, tool_rounds: int) -> Span:
    rounds = [
        _answer(tag, n, (Span("execute_tool get_weather", OK, f"{tag}-{n}-0"),), False)
        for n in range(1, tool_rounds + 1)
    ]
    rounds.append(_answer(tag, tool_rounds + 1, (), False))
    return Span("invoke_agent Expert", OK, None, tuple(rounds))


class _CallModel:
    """Walks a call's plan the way AgentScope runs it, building its spans."""

    def __init__(self, plan: CallPlan, agent: AgentPlan) -> None:
        self.plan = plan
        self.agent = agent
        self.failure = plan.failure
        self.tool_runs = 0
        self.experts = 0

    def tree(self) -> Span:
        rounds: list[Span] = []
        outcome = OK
        for planned in executed_rounds(self.plan, self.agent):
            built, outcome = self._round(planned)
            rounds.append(built)
            if outcome != OK:
                break
        return Span(f"invoke_agent {self.agent.name}", outcome, None, tuple(rounds))

    def _round(self, planned: Round) -> tuple[Span, str]:
        failure = self.failure if self.failure and self.failure.round == planned.number else None
        tag, number = self.plan.tag, planned.number
        if failure is not None and failure.kind in (MODEL_ERROR, CANCEL_IN_MODEL):
            outcome = "RuntimeError" if failure.kind == MODEL_ERROR else CANCELLED
            return Span(
                "react step", outcome, (number, None), (Span(CHAT, outcome, None),)
            ), outcome
        tools = self._tools(planned, failure)
        if failure is not None and failure.kind == CANCEL_IN_TOOL:
            chat = Span(CHAT, OK, f"resp-{tag}")
            return Span("react step", CANCELLED, (number, None), (chat, *tools)), CANCELLED
        return _answer(tag, number, tools, planned.summarizing), OK

    def _tools(self, planned: Round, failure: Failure | None) -> tuple[Span, ...]:
        tools: list[Span] = []
        for index, name in enumerate(planned.tools):
            call_id = f"{self.plan.tag}-{planned.number}-{index}"
            self.tool_runs += 1
            failed_here = failure is not None and failure.tool == index
            if failed_here and failure is not None and failure.kind == TOOL_ERROR:
                tools.append(Span(f"execute_tool {name}", "ValueError", call_id))
            elif failed_here:
                tools.append(Span(f"execute_tool {name}", CANCELLED, call_id))
                if not self.agent.parallel:
                    break  # the tools after it never start
            else:
                tools.append(Span(f"execute_tool {name}", OK, call_id, self._nested(name)))
        return tuple(tools)

    def _nested(self, tool: str) -> tuple[Span, ...]:
        if tool != ASK_EXPERT:
            return ()
        self.experts += 1
        tag = f"{self.plan.tag}.e{self.experts}"
        return (expected_expert_call(tag, self.plan.expert_tool_rounds),)


def expected_tree(plan: CallPlan | StreamPlan, agents: Sequence[AgentPlan]) -> Span:
    """The one trace that ``plan`` must produce when instrumented."""
    if isinstance(plan, StreamPlan):
        if plan.chunks_read is None:
            return Span(CHAT, OK, f"resp-{plan.tag}")
        return Span(CHAT, CANCELLED, None)
    return _CallModel(plan, agents[plan.agent]).tree()


def features(scenario: Scenario) -> set[str]:
    """What a scenario exercises, for hypothesis' statistics (``event``)."""
    found: set[str] = set()
    for batch in scenario.batches:
        found.add("instrumented batch" if batch.instrumented else "uninstrumented batch")
        agent_calls = [c for c in batch.calls if isinstance(c, CallPlan)]
        if len({c.agent for c in agent_calls}) < len(agent_calls):
            found.add("overlapping calls on one agent")
        for plan in batch.calls:
            found |= _call_features(plan, scenario.agents)
    return found


def _call_features(plan: CallPlan | StreamPlan, agents: Sequence[AgentPlan]) -> set[str]:
    if isinstance(plan, StreamPlan):
        return {"stream read to the end" if plan.chunks_read is None else "stream abandoned"}
    agent = agents[plan.agent]
    found = {plan.failure.kind if plan.failure else "no failure"}
    if any(ASK_EXPERT in tools for tools in plan.tool_rounds):
        found.add("nested agent")
    if agent.parallel and any(len(tools) > 1 for tools in plan.tool_rounds):
        found.add("parallel tool calls")
    if agent.stream:
        found.add("streaming agent")
    if len(plan.tool_rounds) >= agent.max_iters:
        found.add("max_iters reached")
    return found

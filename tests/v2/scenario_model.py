"""Generated scenarios on real AgentScope 2.x: what they are, how they run,
and the spans each one must produce.

A scenario is a pool of agent slots and a list of batches. Each batch is run
with ``asyncio.gather`` while otelscope is instrumented or not; each call of a
batch follows its own script: tool rounds (1 to 3 tools each, run as 2.x's
parallel tool calls), a final text round, a streaming model or not, ``reply``
or ``reply_stream``, and one way of ending (completed, a model error, a
cancellation in a model or tool call, or a stream abandoned half-way). Tools
may fail, and ``ask_helper`` calls a sub-agent.

Overlapping calls on one instance: a 2.x ``Agent`` keeps the state of its
reply on itself (``state.reply_context``, ``_receive_reply_end``, pending tool
calls in ``state.context``), so AgentScope does not support overlapping
replies on one agent. Here they are many agents sharing one model and one
toolkit within a batch, and sequential calls on one agent across batches
(the pool outlives its batches; an agent whose call did not complete is
replaced, since 2.x may leave its tool calls pending).

Speed matters (``make test`` runs 300 scenarios, ``make soak`` thousands):
sizes are drawn mostly small, every run shares one toolkit, agents are made
only for the slots a batch calls, and the scenario tools declare a draft-07
input schema, since AgentScope validates every tool input with
``jsonschema``, four times slower against the default 2020-12 meta-schema.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from agentscope.agent import Agent, ReActConfig
from agentscope.message import UserMsg
from agentscope.tool import FunctionTool, Toolkit
from hypothesis import strategies as st

from otelscope.agentscope_v2.agent_reply import _open_replies
from tests.scenario_invariants import leftover_call_state
from tests.v2.kit import (
    ALLOW,
    Gate,
    Script,
    ScriptedChatModel,
    Step,
    current_script,
    make_agent,
    reply_text,
)

# -- Ways a call ends ---------------------------------------------------------

COMPLETE = "complete"
MODEL_ERROR = "model error"
CANCEL_IN_MODEL = "cancel in model"
CANCEL_IN_TOOL = "cancel in tool"
ABANDON_AT_START = "abandon at start"  # after ReplyStartEvent
ABANDON_AT_MODEL_END = "abandon at model end"  # after the ModelCallEndEvent of a round
ABANDON_IN_TEXT = "abandon in text"  # after the first TextBlockDeltaEvent
CANCELS = (CANCEL_IN_MODEL, CANCEL_IN_TOOL)
ABANDONS = (ABANDON_AT_START, ABANDON_AT_MODEL_END, ABANDON_IN_TEXT)

REPLY = "reply"
STREAM = "reply_stream"

GET, FAIL, WAIT, HELPER = "get_weather", "fail_weather", "wait_weather", "ask_helper"
# Tools a round may call in parallel; WAIT is only placed by a cancellation.
ROUND_TOOLS = (GET, FAIL, HELPER)
INTERRUPTION_TEXT = ReActConfig().interruption_message
CHAT = "chat scripted-model"


@dataclass(frozen=True)
class Ending:
    kind: str = COMPLETE
    round: int = 0  # 1-based round where it happens (0: not tied to a round)
    raise_cancelled: bool = False  # ReActConfig.interruption_raise_cancelled_error


@dataclass(frozen=True)
class CallPlan:
    slot: int
    tool_rounds: tuple[tuple[str, ...], ...]
    entry: str
    ending: Ending

    @property
    def rounds(self) -> int:
        return len(self.tool_rounds) + 1


@dataclass(frozen=True)
class Batch:
    instrumented: bool
    calls: tuple[CallPlan, ...]


@dataclass(frozen=True)
class Scenario:
    # Per slot: does its agent have a model of its own (else the shared one),
    # and does that model stream.
    own_model: tuple[bool, ...]
    streaming: tuple[bool, ...]
    batches: tuple[Batch, ...]


# -- The strategy -------------------------------------------------------------


def mostly_small(*sizes: int) -> st.SearchStrategy[int]:
    """A size drawn from ``sizes``, where repeats make a size more likely:
    AgentScope takes milliseconds per model or tool call, and the suite must
    stay fast. Shrinks toward the first."""
    return st.sampled_from(sizes)


@st.composite
def call_plans(draw: st.DrawFn, slot: int) -> CallPlan:
    tool_rounds = [
        draw(st.lists(st.sampled_from(ROUND_TOOLS), min_size=size, max_size=size))
        for size in [
            draw(mostly_small(1, 1, 2, 3)) for _ in range(draw(mostly_small(0, 1, 1, 2, 3)))
        ]
    ]
    kind = draw(st.sampled_from((COMPLETE, MODEL_ERROR, *CANCELS, *ABANDONS)))
    if kind == CANCEL_IN_TOOL and not tool_rounds:
        tool_rounds = [[WAIT]]
    rounds = len(tool_rounds) + 1
    where = 0
    if kind in (MODEL_ERROR, CANCEL_IN_MODEL, ABANDON_AT_MODEL_END):
        where = draw(st.integers(1, rounds))
    elif kind == CANCEL_IN_TOOL:
        # Alone in its round: a tool running beside it could be cancelled
        # or not, depending on timing the scenario does not control.
        where = draw(st.integers(1, rounds - 1))
        tool_rounds[where - 1] = [WAIT]
    raise_cancelled = kind in CANCELS and draw(st.booleans())
    entry = STREAM if kind in ABANDONS else draw(st.sampled_from((REPLY, STREAM)))
    return CallPlan(
        slot, tuple(map(tuple, tool_rounds)), entry, Ending(kind, where, raise_cancelled)
    )


@st.composite
def batches(draw: st.DrawFn, slots: int) -> Batch:
    used = draw(st.permutations(range(slots)))[: draw(st.integers(1, slots))]
    return Batch(
        instrumented=draw(st.booleans()),
        calls=tuple(draw(call_plans(slot)) for slot in used),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    slots = draw(mostly_small(1, 2, 2, 3))
    return Scenario(
        own_model=tuple(draw(st.booleans()) for _ in range(slots)),
        streaming=tuple(draw(st.booleans()) for _ in range(slots)),
        batches=tuple(draw(batches(slots)) for _ in range(draw(mostly_small(1, 2, 2, 3)))),
    )


# -- Scripts, model and tools -------------------------------------------------


@dataclass
class CallScript(Script):
    """A call's script, plus where it stops for a cancellation and what ran."""

    gate: Gate | None = None
    gated_model_call: int = 0  # 1-based model call that stops at the gate
    tool_runs: int = 0
    helpers: int = 0  # sub-agent calls made so far
    helper_model_calls: int = 0


def script_for(plan: CallPlan, tag: str) -> CallScript:
    ending = plan.ending
    steps = [Step(tools=list(tools)) for tools in plan.tool_rounds] + [Step(text=f"Done {tag}")]
    if ending.kind == MODEL_ERROR:
        steps[ending.round - 1] = Step(error=ValueError(f"model broke {tag}"))
    script = CallScript(tag=tag, steps=steps)
    if ending.kind in CANCELS:
        script.gate = Gate()
        script.gated_model_call = ending.round if ending.kind == CANCEL_IN_MODEL else 0
    return script


def running_script() -> CallScript:
    script = current_script.get()
    assert isinstance(script, CallScript), "no scenario script for this call"
    return script


class ScenarioChatModel(ScriptedChatModel):
    """A ScriptedChatModel that stops at its call's gate in the model call
    the script names, after taking its step (as a model with latency would)."""

    async def _call_api(self, *args: Any, **kwargs: Any) -> Any:
        response = await super()._call_api(*args, **kwargs)
        script = running_script()
        if script.gate is not None and script.calls_made == script.gated_model_call:
            await script.gate.pass_through()
        return response


CITY_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {"city": {"type": "string", "description": "The city name."}},
    "required": ["city"],
}


# The pool whose run is in progress: `ask_helper` borrows its sub-agents there.
current_pool: ContextVar[Pool] = ContextVar("scenario_pool")


def scenario_toolkit() -> Toolkit:
    """The four scenario tools. They keep no state of their own (a call's
    counts are on its script), so every run shares one toolkit."""

    async def get_weather(city: str) -> str:
        running_script().tool_runs += 1
        return f"Sunny in {city}"

    async def fail_weather(city: str) -> str:
        running_script().tool_runs += 1
        raise RuntimeError(f"no weather for {city}")

    async def wait_weather(city: str) -> str:
        script = running_script()
        script.tool_runs += 1
        assert script.gate is not None
        await script.gate.pass_through()
        return f"Sunny in {city}"

    async def ask_helper(city: str) -> str:
        script = running_script()
        script.tool_runs += 1
        inner = CallScript(tag=helper_tag(script.tag, script.helpers), steps=helper_steps())
        script.helpers += 1
        token = current_script.set(inner)
        try:
            with current_pool.get().lend_helper() as helper:
                answer = await helper.reply(UserMsg(name="user", content=city))
        finally:
            current_script.reset(token)
            script.helper_model_calls += inner.calls_made
        return reply_text(answer)

    functions = (get_weather, fail_weather, wait_weather, ask_helper)
    return Toolkit(
        tools=[
            FunctionTool(
                function,
                description=f"{function.__name__} for a city.",
                input_schema=CITY_SCHEMA,
                permission=ALLOW,
            )
            for function in functions
        ]
    )


def helper_tag(tag: str, index: int) -> str:
    return f"{tag}.h{index}"


def helper_steps() -> list[Step]:
    return [Step(text="Helped")]


@functools.cache
def shared_toolkit() -> Toolkit:
    return scenario_toolkit()


# -- Running a scenario -------------------------------------------------------


class Pool:
    """The agents of one run of a scenario, their models and their toolkit."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.shared_model = ScenarioChatModel()
        self.streaming_model = ScenarioChatModel(stream=True)
        self.toolkit = shared_toolkit()
        self.free_helpers: list[Agent] = []
        self.every_agent: list[Agent] = []
        # Created on first use: a slot no batch calls costs nothing.
        self.agents: dict[int, Agent] = {}

    def new_agent(self, slot: int) -> Agent:
        streaming = self.scenario.streaming[slot]
        if self.scenario.own_model[slot]:
            model = ScenarioChatModel(stream=streaming)
        else:
            model = self.streaming_model if streaming else self.shared_model
        agent = make_agent(name=f"agent{slot}", model=model, toolkit=self.toolkit)
        self.every_agent.append(agent)
        return agent

    def agent(self, slot: int) -> Agent:
        if slot not in self.agents:
            self.agents[slot] = self.new_agent(slot)
        return self.agents[slot]

    @contextmanager
    def lend_helper(self) -> Iterator[Agent]:
        """A sub-agent no other call is using (2.x agents serve one reply at
        a time); it goes back to the pool afterwards."""
        if self.free_helpers:
            helper = self.free_helpers.pop()
        else:
            helper = make_agent(name="Helper", model=self.shared_model, toolkit=self.toolkit)
            self.every_agent.append(helper)
        try:
            yield helper
        finally:
            self.free_helpers.append(helper)


@dataclass
class CallResult:
    """What the caller saw, what ran, and the per-call state left in its task."""

    outcome: tuple[Any, ...]
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    model_calls: int = 0
    tool_runs: int = 0
    leftover: dict[str, object] = field(default_factory=dict)

    def seen_by_user(self) -> tuple[Any, ...]:
        return (self.outcome, self.events, self.model_calls, self.tool_runs)


# Event fields that are random per run (ids, times): not part of the comparison.
_RANDOM_FIELDS = {"id", "reply_id", "session_id", "block_id", "created_at", "timestamp"}
# The runtime-state hint that 2.x injects tells the time.
_CURRENT_TIME = re.compile(r"<current-time>[^<]*</current-time>")


def event_summary(event: Any) -> tuple[str, dict[str, Any]]:
    """An event's type and payload, without what differs from run to run."""
    payload = {k: v for k, v in event.model_dump(mode="json").items() if k not in _RANDOM_FIELDS}
    if isinstance(payload.get("hint"), str):
        payload["hint"] = _CURRENT_TIME.sub("<current-time/>", payload["hint"])
    return type(event).__name__, payload


def stops_after(plan: CallPlan, event_name: str, model_ends: int) -> bool:
    """Whether an abandoning consumer stops after this event."""
    kind = plan.ending.kind
    return (
        (kind == ABANDON_AT_START and event_name == "ReplyStartEvent")
        or (kind == ABANDON_AT_MODEL_END and model_ends == plan.ending.round)
        or (kind == ABANDON_IN_TEXT and event_name == "TextBlockDeltaEvent")
    )


async def consume_stream(agent: Agent, plan: CallPlan, result: CallResult) -> tuple[Any, ...]:
    stream = agent.reply_stream(question())
    model_ends = 0
    async for event in stream:
        result.events.append(event_summary(event))
        model_ends += type(event).__name__ == "ModelCallEndEvent"
        if stops_after(plan, result.events[-1][0], model_ends):
            await stream.aclose()
            return ("abandoned",)
    return ("exhausted",)


async def perform(agent: Agent, plan: CallPlan, script: CallScript) -> CallResult:
    """One call, as its task runs it; never raises (the outcome says how it ended)."""
    current_script.set(script)
    agent.react_config = ReActConfig(
        max_iters=10, interruption_raise_cancelled_error=plan.ending.raise_cancelled
    )
    result = CallResult(outcome=())
    try:
        if plan.entry == REPLY:
            msg = await agent.reply(question())
            result.outcome = ("returned", str(msg.finished_reason), reply_text(msg))
        else:
            result.outcome = await consume_stream(agent, plan, result)
    except BaseException as error:  # a cancellation is an outcome too
        result.outcome = ("raised", type(error), str(error))
    result.model_calls = script.calls_made + script.helper_model_calls
    result.tool_runs = script.tool_runs
    result.leftover = leftover_call_state((_open_replies,))
    return result


def question() -> UserMsg:
    return UserMsg(name="user", content="weather?")


async def cancel_at_gate(script: CallScript, task: asyncio.Task[CallResult]) -> None:
    assert script.gate is not None
    await asyncio.wait_for(script.gate.arrived.wait(), timeout=10)
    task.cancel()


def call_tag(batch_index: int, plan: CallPlan) -> str:
    return f"b{batch_index}s{plan.slot}"


async def run_batch(pool: Pool, batch_index: int, batch: Batch) -> list[CallResult]:
    scripts = [script_for(plan, call_tag(batch_index, plan)) for plan in batch.calls]
    tasks = [
        asyncio.create_task(perform(pool.agent(plan.slot), plan, script))
        for plan, script in zip(batch.calls, scripts, strict=True)
    ]
    await asyncio.gather(
        *(cancel_at_gate(s, t) for s, t in zip(scripts, tasks, strict=True) if s.gate)
    )
    results = [await asyncio.wait_for(task, timeout=30) for task in tasks]
    for plan in batch.calls:
        if leaves_tool_calls_pending(plan):
            del pool.agents[plan.slot]
    return results


def leaves_tool_calls_pending(plan: CallPlan) -> bool:
    """A consumer that leaves after a round asked for tools leaves them
    pending in the agent's context; its next reply would act on them first."""
    ending = plan.ending
    return ending.kind == ABANDON_AT_MODEL_END and ending.round < plan.rounds


async def run_scenario(
    scenario: Scenario,
    toggle: Callable[[bool], None] | None,
    after_batch: Callable[[Pool], None],
) -> list[list[CallResult]]:
    """Run every batch on a fresh pool. ``toggle(instrumented)`` is called
    before each batch (None: the reference run, never instrumented);
    ``after_batch`` checks what must hold once a batch's calls returned."""
    pool = Pool(scenario)
    current_pool.set(pool)
    results = []
    for index, batch in enumerate(scenario.batches):
        if toggle is not None:
            toggle(batch.instrumented)
        results.append(await run_batch(pool, index, batch))
        after_batch(pool)
    return results


# -- What each call must show -------------------------------------------------

OK, CANCELLED = "ok", "cancelled"
TOOL_ERROR = "tool_error"
MODEL_ERROR_TYPE = "ValueError"

# (label, status, children): the label names the span and what identifies it
# (round number and finish reason, tool call id); the status is a word of
# `tests.scenario_invariants.status_label`, or `tool_error`.
Tree = tuple[str, str, tuple[Any, ...]]


def rounds_reached(plan: CallPlan) -> int:
    """How many rounds the call started (each made one model call)."""
    kind = plan.ending.kind
    if kind in (COMPLETE, ABANDON_IN_TEXT):
        return plan.rounds
    return 0 if kind == ABANDON_AT_START else plan.ending.round


def helper_tree() -> Tree:
    """A sub-agent's call: it answers at once."""
    return ("invoke_agent Helper", OK, (("react step 1 stop", OK, ((CHAT, OK, ()),)),))


def completed_round(tag: str, number: int, tools: tuple[str, ...]) -> Tree:
    spans: list[Tree] = [(CHAT, OK, ())]
    for index, name in enumerate(tools):
        nested = (helper_tree(),) if name == HELPER else ()
        status = TOOL_ERROR if name == FAIL else OK
        spans.append((f"execute_tool {name} {tag}-{number}-{index}", status, nested))
    finish = "tool_calls" if tools else "stop"
    return (f"react step {number} {finish}", OK, tuple(spans))


def stopped_round(plan: CallPlan, tag: str, streaming: bool) -> Tree:
    """The round where an unfinished call stopped: it ends as the call does."""
    kind, number = plan.ending.kind, rounds_reached(plan)
    chat_status = {MODEL_ERROR: MODEL_ERROR_TYPE, CANCEL_IN_MODEL: CANCELLED}.get(kind, OK)
    if kind == ABANDON_IN_TEXT and streaming:
        chat_status = CANCELLED  # the consumer left while the model stream was read
    spans: list[Tree] = [(CHAT, chat_status, ())]
    if kind == CANCEL_IN_TOOL:
        spans.append((f"execute_tool {WAIT} {tag}-{number}-0", CANCELLED, ()))
    return (f"react step {number}", call_status(plan), tuple(spans))


def call_status(plan: CallPlan) -> str:
    kind = plan.ending.kind
    return OK if kind == COMPLETE else MODEL_ERROR_TYPE if kind == MODEL_ERROR else CANCELLED


def expected_tree(plan: CallPlan, tag: str, streaming: bool) -> Tree:
    """The exact tree of one call, ``streaming`` telling its model's kind."""
    reached = rounds_reached(plan)
    completed = reached if plan.ending.kind == COMPLETE else max(reached - 1, 0)
    rounds = (*plan.tool_rounds, ())
    spans = [completed_round(tag, n, rounds[n - 1]) for n in range(1, completed + 1)]
    if plan.ending.kind not in (COMPLETE, ABANDON_AT_START):
        spans.append(stopped_round(plan, tag, streaming))
    return (f"invoke_agent agent{plan.slot}", call_status(plan), tuple(spans))


def expected_outcome(plan: CallPlan, tag: str) -> tuple[Any, ...]:
    kind = plan.ending.kind
    if kind in ABANDONS:
        return ("abandoned",)
    if kind == MODEL_ERROR:
        return ("raised", ValueError, f"model broke {tag}")
    if kind in CANCELS and plan.ending.raise_cancelled:
        return ("raised", asyncio.CancelledError, "")
    if plan.entry == STREAM:
        return ("exhausted",)
    if kind in CANCELS:
        return ("returned", "interrupted", INTERRUPTION_TEXT)
    return ("returned", "completed", f"Done {tag}")


def expected_runs(plan: CallPlan) -> tuple[int, int]:
    """(model calls, tool runs) of a call, its sub-agents' included: a
    sub-agent makes one model call."""
    reached = rounds_reached(plan)
    ran = [name for tools in plan.tool_rounds[: max(reached - 1, 0)] for name in tools]
    helpers = ran.count(HELPER)
    gated_tool = plan.ending.kind == CANCEL_IN_TOOL
    return reached + helpers, len(ran) + gated_tool

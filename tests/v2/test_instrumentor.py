"""The instrumentor's life cycle on AgentScope 2.x: instrument, uninstrument
and suppression. The entry point that ``opentelemetry-instrument`` loads, on
both lines, is tested in ``tests/lines/test_instrumentor.py``."""

from __future__ import annotations

import asyncio
from typing import Any

from agentscope.agent import Agent
from agentscope.model import ChatModelBase
from agentscope.tool import Toolkit
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otelscope import AgentScopeInstrumentor
from otelscope.agentscope_v2.middleware import OtelscopeMiddleware
from tests.conftest import Traced
from tests.spantree import build_trees
from tests.v2.kit import (
    Gate,
    GatedWeather,
    OpenSpans,
    Script,
    ScriptedChatModel,
    Step,
    assert_ok,
    call_with,
    current_script,
    make_agent,
    make_toolkit,
    no_middleware_left,
    reply_text,
    two_tool_rounds,
)

TWO_TOOL_ROUNDS = (
    "invoke_agent Friday",
    [
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", [])]),
    ],
)


def patched_attributes() -> dict[str, Any]:
    """The class attributes otelscope replaces on 2.x, as the classes hold them."""
    return {
        "Agent.reply": Agent.__dict__["reply"],
        "Agent.reply_stream": Agent.__dict__["reply_stream"],
        "ChatModelBase.__call__": ChatModelBase.__dict__["__call__"],
        "Toolkit.call_tool": Toolkit.__dict__["call_tool"],
    }


def one_call() -> Any:
    agent = make_agent()
    reply = asyncio.run(call_with(agent, two_tool_rounds("Paris")))
    assert reply_text(reply) == "Done Paris"
    assert no_middleware_left(agent)
    return agent


def test_instrumenting_twice_is_harmless(traced) -> None:
    patched = patched_attributes()
    other = InMemorySpanExporter()
    other_provider = TracerProvider()
    other_provider.add_span_processor(SimpleSpanProcessor(other))

    traced.instrumentor.instrument(tracer_provider=traced.provider)
    # The instrumentor is a singleton: a new one is the same, already instrumented.
    assert AgentScopeInstrumentor() is traced.instrumentor
    AgentScopeInstrumentor().instrument(tracer_provider=other_provider)

    assert patched_attributes() == patched
    one_call()
    [root] = build_trees(traced.spans())
    assert root.shape() == TWO_TOOL_ROUNDS  # one span per operation
    assert other.get_finished_spans() == ()


def test_uninstrument_restores_every_patched_attribute_by_identity() -> None:
    before = patched_attributes()
    state = Traced()
    try:
        state.instrumentor.instrument(tracer_provider=state.provider)
        during = patched_attributes()
        assert all(during[name] is not before[name] for name in before)
        one_call()
        assert len(state.spans()) == 9
    finally:
        state.instrumentor.uninstrument()

    after = patched_attributes()
    assert all(after[name] is before[name] for name in before)
    one_call()
    assert len(state.spans()) == 9  # nothing after uninstrument()

    # ... and it can be instrumented again.
    state.exporter.clear()
    try:
        state.instrumentor.instrument(tracer_provider=state.provider)
        one_call()
    finally:
        state.instrumentor.uninstrument()
    [root] = build_trees(state.spans())
    assert root.shape() == TWO_TOOL_ROUNDS
    assert all(patched_attributes()[name] is before[name] for name in before)


def ours(chain: list[Any]) -> int:
    return sum(isinstance(m, OtelscopeMiddleware) for m in chain)


def test_uninstrument_while_a_call_is_in_flight_lets_the_call_finish_and_end_its_spans(
    traced,
) -> None:
    open_spans = OpenSpans()
    traced.provider.add_span_processor(open_spans)
    before: dict[str, Any] = {}

    async def main() -> tuple[Any, Any, GatedWeather]:
        gate = Gate()
        tool = GatedWeather(gate, on_runs=(1,))
        agent = make_agent(toolkit=make_toolkit(tool.function))
        task = asyncio.create_task(
            call_with(agent, Script("P", [Step(tools=["get_weather"]), Step(text="Done")]))
        )
        await gate.arrived.wait()
        traced.instrumentor.uninstrument()
        before.update(
            ended=[s.name for s in traced.spans()], attached=ours(agent._reply_middlewares)
        )
        gate.opened.set()
        return await task, agent, tool

    reply, agent, tool = asyncio.run(main())

    assert reply_text(reply) == "Done"
    assert tool.runs == 1
    # The call held otelscope's middleware when uninstrument() ran (with only
    # the first model call over), and let go of it when it ended.
    assert before == {"ended": ["chat scripted-model"], "attached": 1}
    assert no_middleware_left(agent)
    assert open_spans.names() == []
    [root] = build_trees(traced.spans())
    # The model call of round 2 started after uninstrument() (so untraced),
    # inside the react step that the still-attached middleware opened.
    assert root.shape() == (
        "invoke_agent Friday",
        [
            ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
            ("react step", []),
        ],
    )
    for node in root.walk():
        assert_ok(node)


def test_a_call_started_after_uninstrument_is_not_traced_even_on_an_agent_in_flight(
    traced,
) -> None:
    async def main() -> list[str]:
        gate = Gate()
        tool = GatedWeather(gate, on_runs=(1,))
        agent = make_agent(toolkit=make_toolkit(tool.function))
        first = asyncio.create_task(
            call_with(agent, Script("P", [Step(tools=["get_weather"]), Step(text="Done")]))
        )
        await gate.arrived.wait()
        traced.instrumentor.uninstrument()
        ended_before = len(traced.spans())
        # A second call on the same agent, after uninstrument().
        second = await call_with(agent, Script("Q", [Step(text="Later")]))
        assert reply_text(second) == "Later"
        spans_of_second = [s.name for s in traced.spans()[ended_before:]]
        gate.opened.set()
        await first
        return spans_of_second

    assert asyncio.run(main()) == []


def test_suppressed_calls_emit_nothing_and_attach_nothing(traced) -> None:
    seen_in_tool: list[tuple[int, int, int]] = []

    async def get_weather(city: str) -> str:
        """Get the weather of a city.

        Args:
            city (str): The city name.
        """
        seen_in_tool.append(
            (
                len(agent._reply_middlewares),
                len(agent._reasoning_middlewares),
                len(agent._acting_middlewares),
            )
        )
        return f"Sunny in {city}"

    agent = make_agent(toolkit=make_toolkit(get_weather))

    async def main() -> list[str]:
        texts = []
        with suppress_instrumentation():
            texts.append(reply_text(await call_with(agent, two_tool_rounds("A"))))
            current_script.set(two_tool_rounds("B"))
            async for _ in agent.reply_stream(None):
                pass
            current_script.set(Script("C", [Step(text="direct")]))
            texts.append(reply_text(await ScriptedChatModel()([])))
        return texts

    assert asyncio.run(main()) == ["Done A", "direct"]
    assert seen_in_tool == [(0, 0, 0)] * 4
    assert traced.spans() == []
    assert no_middleware_left(agent)

    # Outside the suppression the same agent is traced again.
    asyncio.run(call_with(agent, two_tool_rounds("D")))
    [root] = build_trees(traced.spans())
    assert root.shape() == TWO_TOOL_ROUNDS

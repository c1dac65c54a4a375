"""The concurrency contract on AgentScope 2.x (see ``otelscope.core.calls``
and ``otelscope.core.attachment``)."""

from __future__ import annotations

import asyncio
import gc
import random

from otelscope.agentscope_v2.middleware import OtelscopeMiddleware
from otelscope.core import guard
from tests.spantree import build_trees
from tests.v2.kit import (
    Script,
    ScriptedChatModel,
    Step,
    call_with,
    current_script,
    make_agent,
    make_toolkit,
    no_middleware_left,
    one_tool_round,
    random_two_tool_rounds,
    reply_text,
)

EXPECTED_CALL = [
    ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
    ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
    ("react step", [("chat scripted-model", [])]),
]


def ours(chain: list) -> int:
    return sum(isinstance(m, OtelscopeMiddleware) for m in chain)


def test_sixteen_agents_sharing_model_and_toolkit_give_sixteen_exact_traces(traced) -> None:
    """The acceptance scenario on 2.x: 16 distinct agents, one model, one toolkit."""
    model, toolkit = ScriptedChatModel(), make_toolkit()
    agents = [make_agent(name=f"agent{i:02d}", model=model, toolkit=toolkit) for i in range(16)]
    rng = random.Random(20261128)
    scripts = [random_two_tool_rounds(f"call{i:02d}", rng) for i in range(16)]

    async def main() -> list:
        return await asyncio.gather(
            *(call_with(a, s) for a, s in zip(agents, scripts, strict=True))
        )

    replies = asyncio.run(main())

    assert [reply_text(r) for r in replies] == [f"Done {s.tag}" for s in scripts]
    spans = traced.spans()
    assert len(spans) == 16 * 9
    roots = build_trees(spans)
    assert sorted(r.name for r in roots) == [f"invoke_agent agent{i:02d}" for i in range(16)]
    for root in roots:
        index = int(root.name.removeprefix("invoke_agent agent"))
        tag = scripts[index].tag
        assert root.shape() == (root.name, EXPECTED_CALL)
        assert [r.attributes["gen_ai.react.round"] for r in root.children] == [1, 2, 3]
        assert {n.attributes["gen_ai.response.id"] for n in root.find("chat scripted-model")} == {
            f"resp-{tag}"
        }
        tools = root.find("execute_tool get_weather")
        assert [t.attributes["gen_ai.tool.call.id"] for t in tools] == [f"{tag}-1-0", f"{tag}-2-0"]
        assert scripts[index].tool_parents == [t.span.context.span_id for t in tools]
    assert all(ours(a._reply_middlewares) == 0 for a in agents)


def test_overlapping_calls_on_one_agent_keep_every_span_under_its_own_call(traced) -> None:
    """2.x cannot itself serve overlapping replies on one Agent (shared state:
    wrong answers, tools re-run). otelscope must still never raise, never leak
    a span, and keep each span under the call (task) that started it."""
    agent = make_agent()
    scripts = [random_two_tool_rounds(f"o{i}", random.Random(i)) for i in range(6)]
    seen_during: list[int] = []

    async def watch() -> None:
        for _ in range(20):
            seen_during.append(ours(agent._reply_middlewares))
            await asyncio.sleep(0.001)

    async def main() -> None:
        await asyncio.gather(
            watch(), *(call_with(agent, s) for s in scripts), return_exceptions=False
        )

    asyncio.run(main())

    # One registration shared by all calls in flight, never one per call.
    assert max(seen_during) == 1
    assert ours(agent._reply_middlewares) == 0
    spans = traced.spans()
    assert all(span.end_time is not None for span in spans)
    roots = build_trees(spans)
    assert [r.name for r in roots] == ["invoke_agent Friday"] * 6
    for root in roots:
        rounds = root.children
        assert [r.name for r in rounds] == ["react step"] * len(rounds)
        assert [r.attributes["gen_ai.react.round"] for r in rounds] == list(
            range(1, len(rounds) + 1)
        )
        for react_round in rounds:
            assert {c.name for c in react_round.children} <= {
                "chat scripted-model",
                "execute_tool get_weather",
            }


def test_overlapping_calls_share_one_attachment_released_after_the_last_call(traced) -> None:
    """A reply stream its consumer holds after the first event keeps its call
    in flight: a whole call made meanwhile shares its middleware and leaves
    it attached; the end of the stream, the last call, detaches it."""
    attached_in_tool: list[int] = []

    async def get_weather(city: str) -> str:
        """Get the weather of a city.

        Args:
            city (str): The city name.
        """
        attached_in_tool.append(ours(agent._reasoning_middlewares))
        return f"Sunny in {city}"

    agent = make_agent(toolkit=make_toolkit(get_weather))

    async def main() -> list[int]:
        current_script.set(Script("s", [Step(text="streamed")]))
        stream = agent.reply_stream(None)
        await stream.__anext__()
        attached = [ours(agent._reasoning_middlewares)]
        reply = await asyncio.create_task(call_with(agent, one_tool_round("a")))
        assert reply_text(reply) == "Done a"
        # The stream's call still holds it.
        attached.append(ours(agent._reasoning_middlewares))
        async for _ in stream:
            pass
        attached.append(ours(agent._reasoning_middlewares))
        return attached

    assert asyncio.run(main()) == [1, 1, 0]
    # With both calls in flight: one middleware, not one per call.
    assert attached_in_tool == [1]
    assert no_middleware_left(agent)
    roots = build_trees(traced.spans())
    assert [root.name for root in roots] == ["invoke_agent Friday"] * 2


def test_per_agent_state_does_not_keep_agents_alive(traced) -> None:
    import weakref

    agent = make_agent()
    asyncio.run(call_with(agent, Script("x", [Step(text="hi")])))
    ref = weakref.ref(agent)
    del agent
    gc.collect()
    assert ref() is None


def test_rejected_attachment_rolls_back_and_the_call_runs_untraced(traced) -> None:
    agent = make_agent()
    # The last of the registrations fails (a tuple cannot be inserted into);
    # the two already made must be undone.
    agent._acting_middlewares = ()

    reply = asyncio.run(call_with(agent, Script("x", [Step(text="untraced")])))

    assert reply_text(reply) == "untraced"
    errors = guard.take_internal_errors()
    assert [type(e) for e in errors] == [AttributeError]
    assert agent._reply_middlewares == [] and agent._reasoning_middlewares == []
    assert traced.spans()[0].name == "chat scripted-model"  # model calls stay traced
    assert [s.name for s in traced.spans()] == ["chat scripted-model"]

    # Nothing of the rejected call stays counted: once the agent accepts the
    # middleware, its next call attaches it, is traced, and detaches it.
    agent._acting_middlewares = []
    asyncio.run(call_with(agent, Script("y", [Step(text="traced")])))
    assert [s.name for s in traced.spans()][1:] == [
        "chat scripted-model",
        "react step",
        "invoke_agent Friday",
    ]
    assert no_middleware_left(agent)


def test_middleware_found_gone_is_reported(traced) -> None:
    agent = make_agent()

    async def main() -> None:
        current_script.set(Script("x", [Step(text="hi")]))
        async for _ in agent.reply_stream(None):
            agent._acting_middlewares.clear()  # the user removes it mid-call

    asyncio.run(main())
    errors = guard.take_internal_errors()
    assert [str(e) for e in errors] == [
        f"otelscope middleware in _acting_middlewares was already removed from {agent!r}"
    ]
    assert agent._reply_middlewares == []


def test_middleware_callbacks_without_call_state_do_nothing(traced) -> None:
    """Rule 2: an on_reasoning with no call of this agent in context is a
    pass-through (for instance a reply that started before instrumentation)."""
    agent = make_agent()
    from opentelemetry.metrics import NoOpMeter

    from otelscope.core.metrics import Metrics
    from otelscope.core.telemetry import Telemetry

    telemetry = Telemetry(traced.provider.get_tracer("test"), Metrics(NoOpMeter("test")))
    middleware = OtelscopeMiddleware(telemetry)

    async def inner(**kwargs):
        yield kwargs["tool_choice"]

    async def main() -> list:
        return [
            item async for item in middleware.on_reasoning(agent, {"tool_choice": "auto"}, inner)
        ]

    assert asyncio.run(main()) == ["auto"]
    assert traced.spans() == []

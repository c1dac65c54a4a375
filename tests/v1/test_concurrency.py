"""The concurrency contract on AgentScope 1.x (see ``otelscope.core.calls``)."""

from __future__ import annotations

import asyncio
import random
import threading

from tests.spantree import build_trees
from tests.v1.kit import (
    AGENTSCOPE_VERSION,
    Script,
    Step,
    call_with,
    current_script,
    make_agent,
    random_two_tool_rounds,
)

HOOK_FLAG_ON_INSTANCE = AGENTSCOPE_VERSION >= (1, 0, 19)

EXPECTED_CALL = (
    "invoke_agent Friday",
    [
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", [])]),
    ],
)


def assert_each_trace_is_its_own_call(roots, scripts) -> None:
    """Every span of a trace belongs to the call that started the trace."""
    tags = sorted(s.tag for s in scripts)
    by_tag = {}
    for root in roots:
        assert root.shape() == EXPECTED_CALL
        assert [r.attributes["gen_ai.react.round"] for r in root.children] == [1, 2, 3]
        [tag] = {
            n.attributes["gen_ai.response.id"].removeprefix("resp-")
            for n in root.find("chat scripted-model")
        }
        call_ids = [
            n.attributes["gen_ai.tool.call.id"] for n in root.find("execute_tool get_weather")
        ]
        assert call_ids == [f"{tag}-1-0", f"{tag}-2-0"]
        by_tag[tag] = root
    assert sorted(by_tag) == tags
    for script in scripts:
        tools = by_tag[script.tag].find("execute_tool get_weather")
        assert script.tool_parents == [t.span.context.span_id for t in tools]


def test_sixteen_overlapping_calls_on_one_agent_give_sixteen_exact_traces(traced) -> None:
    """The acceptance scenario: K=16 calls on ONE ReActAgent, random delays."""
    agent = make_agent()
    rng = random.Random(20261128)
    scripts = [random_two_tool_rounds(f"call{i:02d}", rng) for i in range(16)]

    async def main() -> list:
        return await asyncio.gather(*(call_with(agent, s) for s in scripts))

    replies = asyncio.run(main())

    assert [r.get_text_content() for r in replies] == [f"Done {s.tag}" for s in scripts]
    spans = traced.spans()
    assert len(spans) == 16 * 9
    assert all(span.end_time is not None for span in spans)
    roots = build_trees(spans)
    assert len(roots) == 16
    assert_each_trace_is_its_own_call(roots, scripts)


def test_agentscope_hooks_lose_steps_where_otelscope_does_not(traced) -> None:
    """Since 1.0.19 AgentScope's hook runner keeps a re-entrancy flag on the
    instance, so overlapping calls skip its hooks; the spans must not depend
    on them (and do not, on releases before and after)."""
    agent = make_agent()
    fired = []
    agent.register_instance_hook("pre_reasoning", "count", lambda *_: fired.append(1))
    scripts = [random_two_tool_rounds(f"h{i}", random.Random(i)) for i in range(8)]

    async def main() -> None:
        await asyncio.gather(*(call_with(agent, s) for s in scripts))

    asyncio.run(main())

    if HOOK_FLAG_ON_INSTANCE:
        assert len(fired) < 8 * 3  # the framework dropped some of its own hooks
    else:
        assert len(fired) == 8 * 3
    roots = build_trees(traced.spans())
    assert sum(len(root.find("react step")) for root in roots) == 8 * 3


def test_calls_from_threads_with_their_own_loops_stay_apart(traced) -> None:
    agent = make_agent()
    scripts = [random_two_tool_rounds(f"t{i}", random.Random(i)) for i in range(8)]
    errors: list[BaseException] = []

    def run(pair: list[Script]) -> None:
        async def main() -> None:
            await asyncio.gather(*(call_with(agent, s) for s in pair))

        try:
            asyncio.run(main())
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(scripts[i : i + 2],)) for i in range(0, 8, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    roots = build_trees(traced.spans())
    assert len(roots) == 8
    assert_each_trace_is_its_own_call(roots, scripts)


def test_rounds_outside_any_call_do_nothing(traced) -> None:
    """Rule 2: a reasoning step with no call state set emits nothing."""
    agent = make_agent()

    async def main() -> None:
        current_script.set(Script("bare", [Step(text="hi")]))
        await agent._reasoning(tool_choice=None)

    asyncio.run(main())
    # Only the model call is traced (a model call is an operation of its own).
    assert [s.name for s in traced.spans()] == ["chat scripted-model"]
    assert traced.spans()[0].parent is None


def test_no_call_state_leaks_after_calls(traced) -> None:
    from otelscope.core import calls

    agent = make_agent()
    scripts = [random_two_tool_rounds(f"l{i}", random.Random(i)) for i in range(4)]

    async def main() -> None:
        await asyncio.gather(*(call_with(agent, s) for s in scripts))
        assert calls.current_call() is None

    asyncio.run(main())
    assert calls.current_call() is None
    assert not any(name.startswith("_otelscope") for name in vars(agent))

"""Multi-agent workflow spans on AgentScope 1.x: pipelines and ``MsgHub``.

A multi-agent run is one trace, rooted at its ``invoke_workflow`` span.
"""

from __future__ import annotations

import asyncio

import pytest
from agentscope import pipeline
from agentscope.agent import AgentBase, ReActAgent
from agentscope.message import Msg, TextBlock
from agentscope.pipeline import (
    FanoutPipeline,
    MsgHub,
    SequentialPipeline,
    _class,
    _functional,
)
from agentscope.pipeline import sequential_pipeline as imported_before_instrument
from agentscope.tool import Toolkit, ToolResponse
from opentelemetry import trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import SpanKind, StatusCode

import otelscope
from otelscope.core import conventions as conv
from tests.conftest import Traced
from tests.metric_expectations import assert_histogram, span_seconds
from tests.spantree import Node, build_trees
from tests.v1.kit import (
    GatedScript,
    OwnScriptChatModel,
    Script,
    Step,
    call_with,
    make_agent,
    make_scripted_agent,
    run_id,
)

ORIGINAL = "__otelscope_original__"
ANSWER = ("react step", [("chat scripted-model", [])])
TOOL_ROUND = ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])])


def hello() -> Msg:
    return Msg("user", "hello", "user")


def workflow_attributes(name: str) -> dict:
    return {"gen_ai.operation.name": "invoke_workflow", "gen_ai.workflow.name": name}


def span_id(node: Node) -> int:
    return node.span.context.span_id


def current_span_id() -> int:
    return trace.get_current_span().get_span_context().span_id


def assert_ok(node: Node) -> None:
    assert node.status == StatusCode.UNSET, node.name
    assert "error.type" not in node.attributes


def assert_cancelled(node: Node) -> None:
    assert node.status == StatusCode.ERROR, node.name
    assert node.span.status.description == "cancelled"
    assert node.attributes["error.type"] == "cancelled"
    assert node.span.events == ()


# -- pipelines -----------------------------------------------------------------


def test_sequential_pipeline_is_one_trace_rooted_at_the_workflow(traced) -> None:
    alice = make_scripted_agent("Alice", Step(tools=["get_weather"]), Step(text="Alice done"))
    bob = make_scripted_agent("Bob", Step(text="Bob done"))

    reply = asyncio.run(pipeline.sequential_pipeline([alice, bob], hello()))

    assert reply.get_text_content() == "Bob done"
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_workflow sequential_pipeline",
        [
            ("invoke_agent Alice", [TOOL_ROUND, ANSWER]),
            ("invoke_agent Bob", [ANSWER]),
        ],
    )
    assert root.span.kind == SpanKind.INTERNAL
    assert root.attributes == workflow_attributes("sequential_pipeline")
    assert all(node.status == StatusCode.UNSET for node in root.walk())
    # Each model ran its own script exactly once per call.
    assert [agent.model.script.calls_made for agent in (alice, bob)] == [2, 1]


def test_sequential_pipeline_class_runs_through_the_one_wrapper(traced) -> None:
    alice = make_scripted_agent("Alice", Step(text="Alice done"))
    bob = make_scripted_agent("Bob", Step(text="Bob done"))
    run = SequentialPipeline([alice, bob])

    async def twice() -> list[str]:
        return [(await run(hello())).get_text_content() for _ in range(2)]

    assert asyncio.run(twice()) == ["Bob done", "Bob done"]
    trees = build_trees(traced.spans())
    expected = (
        "invoke_workflow sequential_pipeline",
        [("invoke_agent Alice", [ANSWER]), ("invoke_agent Bob", [ANSWER])],
    )
    assert [tree.shape() for tree in trees] == [expected, expected]


@pytest.mark.parametrize("enable_gather", [True, False])
def test_fanout_pipeline_runs_every_agent_under_the_workflow(traced, enable_gather) -> None:
    alice = make_scripted_agent("Alice", Step(tools=["get_weather"]), Step(text="Alice done"))
    bob = make_scripted_agent("Bob", Step(text="Bob done"))

    replies = asyncio.run(
        pipeline.fanout_pipeline([alice, bob], hello(), enable_gather=enable_gather)
    )

    assert [r.get_text_content() for r in replies] == ["Alice done", "Bob done"]
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_workflow fanout_pipeline",
        [("invoke_agent Alice", [TOOL_ROUND, ANSWER]), ("invoke_agent Bob", [ANSWER])],
    )
    assert root.attributes == workflow_attributes("fanout_pipeline")
    # The agents ran while the workflow was open.
    for child in root.children:
        assert root.span.start_time <= child.span.start_time
        assert child.span.end_time <= root.span.end_time


def test_fanout_pipeline_class_gives_one_workflow_span(traced) -> None:
    alice = make_scripted_agent("Alice", Step(text="Alice done"))
    bob = make_scripted_agent("Bob", Step(text="Bob done"))

    replies = asyncio.run(FanoutPipeline([alice, bob])(hello()))

    assert [r.get_text_content() for r in replies] == ["Alice done", "Bob done"]
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_workflow fanout_pipeline",
        [("invoke_agent Alice", [ANSWER]), ("invoke_agent Bob", [ANSWER])],
    )


def test_a_pipeline_inside_an_agents_tool_nests_under_that_tool(traced) -> None:
    helpers = [
        make_scripted_agent("Ann", Step(text="a")),
        make_scripted_agent("Ben", Step(text="b")),
    ]
    toolkit = Toolkit()

    async def ask_team(city: str) -> ToolResponse:
        """Ask the team.

        Args:
            city (str): The city.
        """
        answers = await pipeline.fanout_pipeline(helpers, Msg("user", city, "user"))
        text = " ".join(a.get_text_content() for a in answers)
        return ToolResponse(content=[TextBlock(type="text", text=text)])

    toolkit.register_tool_function(ask_team)
    boss = make_agent(name="Boss", toolkit=toolkit)
    asyncio.run(call_with(boss, Script("Oslo", [Step(tools=["ask_team"]), Step(text="ok")])))

    [root] = build_trees(traced.spans())
    team = (
        "invoke_workflow fanout_pipeline",
        [("invoke_agent Ann", [ANSWER]), ("invoke_agent Ben", [ANSWER])],
    )
    assert root.shape() == (
        "invoke_agent Boss",
        [("react step", [("chat scripted-model", []), ("execute_tool ask_team", [team])]), ANSWER],
    )
    # Started inside an agent call, the workflow is in that call's conversation.
    [workflow] = root.find("invoke_workflow fanout_pipeline")
    assert workflow.attributes == {
        **workflow_attributes("fanout_pipeline"),
        "gen_ai.conversation.id": run_id(),
    }


def test_a_workflow_in_an_application_conversation_carries_its_id(traced) -> None:
    alice = make_scripted_agent("Alice", Step(text="Alice done"))

    async def main() -> None:
        with otelscope.conversation("chat-7"):
            await pipeline.sequential_pipeline([alice], hello())

    asyncio.run(main())
    [root] = build_trees(traced.spans())
    assert root.attributes == {
        **workflow_attributes("sequential_pipeline"),
        "gen_ai.conversation.id": "chat-7",
    }
    assert {node.attributes["gen_ai.conversation.id"] for node in root.walk()} == {"chat-7"}


def test_a_pipeline_function_imported_before_instrument_is_not_traced(traced) -> None:
    """Documented limitation: ``from agentscope.pipeline import ...`` before
    ``instrument()`` keeps the original function; its agents are still traced,
    each as a trace of its own."""
    alice = make_scripted_agent("Alice", Step(text="Alice done"))
    bob = make_scripted_agent("Bob", Step(text="Bob done"))

    asyncio.run(imported_before_instrument([alice, bob], hello()))

    assert [tree.shape() for tree in build_trees(traced.spans())] == [
        ("invoke_agent Alice", [ANSWER]),
        ("invoke_agent Bob", [ANSWER]),
    ]


# -- MsgHub --------------------------------------------------------------------


class Listener(AgentBase):
    """A participant that notes which span is current when it observes."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.observed: list[tuple[str, int]] = []

    async def reply(self, msg: Msg | None = None) -> Msg:
        return Msg(self.name, f"{self.name} noted", "assistant")

    async def observe(self, msg: Msg | list[Msg] | None) -> None:
        for one in msg if isinstance(msg, list) else [msg]:
            if one is not None:
                self.observed.append((one.get_text_content(), current_span_id()))

    async def handle_interrupt(self, *args, **kwargs) -> Msg:
        return Msg(self.name, "interrupted", "assistant")


def test_msghub_is_one_trace_with_its_broadcasts_under_it(traced) -> None:
    alice = make_scripted_agent("Alice", Step(text="Alice speaks"))
    ear = Listener("Ear")
    inside: list[int] = []

    async def main() -> int:
        welcome = Msg("host", "welcome", "user")
        async with MsgHub([alice, ear], announcement=welcome, name="debate") as hub:
            inside.append(current_span_id())
            await alice(hello())
            await ear()
            await hub.broadcast(Msg("host", "closing", "user"))
            inside.append(current_span_id())
        return current_span_id()

    after = asyncio.run(main())

    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_workflow debate",
        [("invoke_agent Alice", [ANSWER]), ("invoke_agent Ear", [])],
    )
    assert root.attributes == workflow_attributes("debate")
    assert all(node.status == StatusCode.UNSET for node in root.walk())
    hub_span = span_id(root)
    # The span is current for the whole `async with` body, and only there.
    assert inside == [hub_span, hub_span]
    assert after == trace.INVALID_SPAN_ID
    # The announcement and `broadcast` run under the hub span; a reply is
    # broadcast from inside its speaker's call (`AgentBase.__call__`).
    [alice_call] = root.find("invoke_agent Alice")
    assert ear.observed == [
        ("welcome", hub_span),
        ("Alice speaks", span_id(alice_call)),
        ("closing", hub_span),
    ]


def test_msghub_without_a_name_is_called_msghub(traced) -> None:
    alice = make_scripted_agent("Alice", Step(text="Alice done"))

    async def main() -> str:
        async with MsgHub([alice]) as hub:
            await alice(hello())
        return hub.name

    random_name = asyncio.run(main())

    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_workflow msghub", [("invoke_agent Alice", [ANSWER])])
    assert root.attributes == workflow_attributes("msghub")
    assert random_name not in str(root.attributes)  # AgentScope's made-up id stays out


def test_a_re_entered_msghub_nests_its_second_entry(traced) -> None:
    alice = make_scripted_agent("Alice", Step(text="Alice done"))
    bob = make_scripted_agent("Bob", Step(text="Bob done"))

    async def main() -> None:
        hub = MsgHub([alice, bob], name="room")
        async with hub:
            await alice(hello())
            async with hub:
                await bob(hello())
            await alice(hello())

    asyncio.run(main())
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_workflow room",
        [
            ("invoke_agent Alice", [ANSWER]),
            ("invoke_workflow room", [("invoke_agent Bob", [ANSWER])]),
            ("invoke_agent Alice", [ANSWER]),
        ],
    )


def test_one_msghub_entered_by_two_tasks_ends_each_entry_in_its_own_task(traced) -> None:
    # Alice's task enters first and leaves first, while Bob's entry is the
    # hub's innermost: each exit must end the entry of its own task.
    alice = make_scripted_agent("Alice", Step(text="Alice done"))
    bob = make_scripted_agent("Bob", Step(text="Bob done", delay=0.05))
    hub = MsgHub([alice, bob], name="room")

    async def turn(agent: AgentBase) -> int:
        async with hub:
            await agent(hello())
        return current_span_id()

    async def main() -> list[int]:
        return list(await asyncio.gather(turn(alice), turn(bob)))

    assert asyncio.run(main()) == [trace.INVALID_SPAN_ID, trace.INVALID_SPAN_ID]
    roots = build_trees(traced.spans())
    assert [root.shape() for root in roots] == [
        ("invoke_workflow room", [("invoke_agent Alice", [ANSWER])]),
        ("invoke_workflow room", [("invoke_agent Bob", [ANSWER])]),
    ]
    for root in roots:
        [call] = root.children
        assert call.span.end_time <= root.span.end_time
    assert roots[0].span.end_time < roots[1].span.end_time


# -- metrics -------------------------------------------------------------------


def test_each_workflow_records_its_duration(traced) -> None:
    alice = make_scripted_agent("Alice", Step(text="Alice done"))
    bob = make_scripted_agent("Bob", Step(text="Bob done"))

    async def main() -> None:
        await pipeline.sequential_pipeline([alice, bob], hello())
        await pipeline.sequential_pipeline([bob], hello())
        async with MsgHub([alice, bob], name="debate"):
            await alice(hello())

    asyncio.run(main())

    spans = [s for s in traced.spans() if s.name.startswith("invoke_workflow")]
    points = {
        point.attributes[conv.WORKFLOW_NAME]: point
        for point in traced.metrics()[conv.METRIC_WORKFLOW_DURATION]
    }
    assert {name: dict(point.attributes) for name, point in points.items()} == {
        "sequential_pipeline": {"gen_ai.workflow.name": "sequential_pipeline"},
        "debate": {"gen_ai.workflow.name": "debate"},
    }
    sequential = [s for s in spans if s.name == "invoke_workflow sequential_pipeline"]
    assert_histogram(points["sequential_pipeline"], conv.WORKFLOW_DURATION_BUCKETS, 2)
    assert points["sequential_pipeline"].sum == pytest.approx(
        sum(span_seconds(s) for s in sequential), abs=1e-9
    )
    [hub] = [s for s in spans if s.name == "invoke_workflow debate"]
    assert_histogram(points["debate"], conv.WORKFLOW_DURATION_BUCKETS, 1, span_seconds(hub))


# -- failures and cancellation -------------------------------------------------


def test_an_error_inside_a_pipeline_propagates_unchanged_and_fails_the_workflow(traced) -> None:
    error = ValueError("model down")
    alice = make_scripted_agent("Alice", Step(text="Alice done"))
    bob = make_scripted_agent("Bob", Step(error=error))

    with pytest.raises(ValueError) as raised:
        asyncio.run(pipeline.sequential_pipeline([alice, bob], hello()))

    assert raised.value is error
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_workflow sequential_pipeline",
        [("invoke_agent Alice", [ANSWER]), ("invoke_agent Bob", [ANSWER])],
    )
    assert root.status == StatusCode.ERROR
    assert root.span.status.description == "ValueError: model down"
    assert root.attributes == {
        **workflow_attributes("sequential_pipeline"),
        "error.type": "ValueError",
    }
    assert [(e.name, e.attributes["exception.type"]) for e in root.span.events] == [
        ("exception", "ValueError")
    ]
    assert_ok(root.children[0])
    assert root.children[1].attributes["error.type"] == "ValueError"
    # The user's code ran once: Bob's model was called once, Alice's once.
    assert [agent.model.script.calls_made for agent in (alice, bob)] == [1, 1]
    [point] = traced.metrics()[conv.METRIC_WORKFLOW_DURATION]
    assert dict(point.attributes) == {
        "gen_ai.workflow.name": "sequential_pipeline",
        "error.type": "ValueError",
    }


def test_an_error_inside_a_msghub_fails_its_span_and_the_hub_still_exits(traced) -> None:
    alice = make_scripted_agent("Alice", Step(text="Alice done"))
    bob = make_scripted_agent("Bob", Step(text="Bob done"))
    error = KeyError("lost")

    async def main() -> None:
        async with MsgHub([alice, bob], name="debate"):
            await alice(hello())
            raise error

    with pytest.raises(KeyError) as raised:
        asyncio.run(main())

    assert raised.value is error
    assert alice._subscribers == {} and bob._subscribers == {}  # AgentScope's exit ran
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_workflow debate", [("invoke_agent Alice", [ANSWER])])
    assert root.status == StatusCode.ERROR
    assert root.attributes == {**workflow_attributes("debate"), "error.type": "KeyError"}
    assert_ok(root.children[0])


def waiting_agent(name: str) -> tuple[ReActAgent, GatedScript]:
    """An agent whose model waits long; ``model_waiting`` is set once it does."""
    script = GatedScript(name, [Step(text=f"{name} done", delay=30)])
    return make_agent(name=name, model=OwnScriptChatModel(script)), script


def test_a_cancelled_fanout_cancels_the_workflow_and_its_agents(traced) -> None:
    alice, alice_script = waiting_agent("Alice")
    bob, bob_script = waiting_agent("Bob")

    async def main() -> None:
        task = asyncio.create_task(pipeline.fanout_pipeline([alice, bob], hello()))
        await alice_script.model_waiting.wait()
        await bob_script.model_waiting.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_workflow fanout_pipeline",
        [("invoke_agent Alice", [ANSWER]), ("invoke_agent Bob", [ANSWER])],
    )
    for node in root.walk():
        assert_cancelled(node)


def test_a_cancellation_absorbed_by_an_agent_still_cancels_the_workflow(traced) -> None:
    """1.x agents answer a cancellation with an "interrupted" message, so the
    pipeline goes on and returns: the run was still cancelled."""
    alice, alice_script = waiting_agent("Alice")
    bob = make_scripted_agent("Bob", Step(text="Bob done"))

    async def main() -> str:
        task = asyncio.create_task(pipeline.sequential_pipeline([alice, bob], hello()))
        await alice_script.model_waiting.wait()
        task.cancel()
        return (await task).get_text_content()

    assert asyncio.run(main()) == "Bob done"
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_workflow sequential_pipeline",
        [("invoke_agent Alice", [ANSWER]), ("invoke_agent Bob", [ANSWER])],
    )
    assert_cancelled(root)
    assert_cancelled(root.children[0])
    assert all(node.status == StatusCode.UNSET for node in root.children[1].walk())


# -- instrumentation -----------------------------------------------------------


def test_suppressed_instrumentation_makes_no_workflow_span(traced) -> None:
    alice = make_scripted_agent("Alice", Step(text="Alice done"))

    async def main() -> None:
        with suppress_instrumentation():
            await pipeline.sequential_pipeline([alice], hello())
            async with MsgHub([alice], name="quiet"):
                await alice(hello())

    asyncio.run(main())
    assert traced.spans() == []


MISSING = object()
FUNCTIONS = ("sequential_pipeline", "fanout_pipeline")


def patchable_attributes() -> dict[tuple[object, str], object]:
    owners: list[tuple[object, str]] = [
        (module, name) for module in (_functional, pipeline, _class) for name in FUNCTIONS
    ]
    owners += [(MsgHub, name) for name in ("__init__", "__aenter__", "__aexit__")]
    return {(owner, name): vars(owner).get(name, MISSING) for owner, name in owners}


def test_uninstrument_restores_every_patched_attribute_exactly() -> None:
    before = patchable_attributes()
    state = Traced()
    state.instrument()
    try:
        during = patchable_attributes()
        for name in FUNCTIONS:
            wrapper = during[(_functional, name)]
            assert getattr(wrapper, ORIGINAL) is before[(_functional, name)]
            # One wrapper, wherever the function is looked up.
            assert during[(pipeline, name)] is wrapper
            assert during[(_class, name)] is wrapper
        for name in ("__init__", "__aenter__", "__aexit__"):
            assert getattr(during[(MsgHub, name)], ORIGINAL) is before[(MsgHub, name)]
        held = pipeline.sequential_pipeline
    finally:
        state.instrumentor.uninstrument()

    after = patchable_attributes()
    changed = [
        f"{getattr(owner, '__name__', owner)}.{name}"
        for (owner, name), value in before.items()
        if after[(owner, name)] is not value
    ]
    assert changed == []

    # Nothing is traced any more, not even through a wrapper still held.
    alice = make_scripted_agent("Alice", Step(text="Alice done"))

    async def main() -> None:
        await held([alice], hello())
        await SequentialPipeline([alice])(hello())
        async with MsgHub([alice], name="after"):
            await alice(hello())

    asyncio.run(main())
    assert state.spans() == []

"""Failure semantics on AgentScope 1.x: errors and cancellations end every span
exactly, with the status and `error.type` of what happened."""

from __future__ import annotations

import asyncio
import logging

import pytest
from agentscope.agent import AgentBase, ReActAgent
from agentscope.formatter import OpenAIChatFormatter
from agentscope.message import Msg, TextBlock
from agentscope.tool import Toolkit, ToolResponse
from opentelemetry.trace import StatusCode

from tests.spantree import Node, build_trees
from tests.v1.kit import (
    AGENTSCOPE_VERSION,
    GatedScript,
    Script,
    StartedSpans,
    Step,
    ToolGate,
    call_with,
    formatted,
    make_agent,
    make_gated_toolkit,
    make_toolkit,
    run_id,
)

# A call the application did not name is in AgentScope's conversation: the
# run id, one per process (no test sets another in the main context).
CHAT_BASE = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "unknown",
    "gen_ai.request.model": "scripted-model",
    "gen_ai.request.stream": False,
    "gen_ai.conversation.id": run_id(),
}
TOOL_BASE = {
    "gen_ai.operation.name": "execute_tool",
    "gen_ai.tool.name": "get_weather",
    "gen_ai.tool.type": "function",
    "gen_ai.tool.description": "Get the weather of a city.",
    "gen_ai.conversation.id": run_id(),
}


@pytest.fixture(autouse=True)
def no_double_end(caplog):
    """The SDK logs a warning when a span is ended a second time."""
    with caplog.at_level(logging.WARNING, logger="opentelemetry.sdk.trace"):
        yield
    assert [r.getMessage() for r in caplog.records if "ended span" in r.getMessage()] == []


def agent_attributes(agent: ReActAgent) -> dict:
    return {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": agent.name,
        "gen_ai.agent.id": agent.id,
        "gen_ai.provider.name": "unknown",
        "gen_ai.request.model": "scripted-model",
        "gen_ai.conversation.id": run_id(),
    }


def tokens(model_calls: int) -> dict:
    """otelscope's roll-up of the scripted model's usage (10 in, 5 out per call)."""
    return {
        "otelscope.usage.input_tokens": 10 * model_calls,
        "otelscope.usage.output_tokens": 5 * model_calls,
    }


def round_attributes(number: int, **extra: str | int) -> dict:
    return {
        "gen_ai.operation.name": "react",
        "gen_ai.react.round": number,
        "gen_ai.conversation.id": run_id(),
        **extra,
    }


def assert_failed(node: Node, error_type: str, description: str) -> None:
    assert node.status == StatusCode.ERROR
    assert node.span.status.description == description
    assert node.attributes["error.type"] == error_type
    [event] = node.span.events
    assert event.name == "exception"
    assert event.attributes["exception.type"] == error_type
    assert event.attributes["exception.message"] == description.split(": ", 1)[1]


def assert_cancelled(node: Node) -> None:
    assert node.status == StatusCode.ERROR
    assert node.span.status.description == "cancelled"
    assert node.attributes["error.type"] == "cancelled"
    # A cancellation is not an exception of the operation: no exception event.
    assert list(node.span.events) == []


def record_started(traced) -> StartedSpans:
    started = StartedSpans()
    traced.provider.add_span_processor(started)
    return started


def assert_all_started_spans_ended(traced, started: StartedSpans) -> None:
    ended = [span.context.span_id for span in traced.spans()]
    assert sorted(started.span_ids) == sorted(ended)
    assert len(set(ended)) == len(ended)


# -- errors --------------------------------------------------------------------


def test_model_error_propagates_unchanged_and_fails_every_open_span(traced) -> None:
    agent = make_agent()
    boom = ValueError("boom")
    script = Script("err", [Step(error=boom)])
    started = record_started(traced)

    with pytest.raises(ValueError) as caught:
        asyncio.run(call_with(agent, script))

    assert caught.value is boom
    assert script.calls_made == 1  # the user's model ran once, not retried
    assert_all_started_spans_ended(traced, started)
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_agent Friday",
        [("react step", [("chat scripted-model", [])])],
    )
    [step] = root.children
    [chat] = step.children
    assert root.attributes == {**agent_attributes(agent), "error.type": "ValueError"}
    assert step.attributes == round_attributes(1, **{"error.type": "ValueError"})
    assert chat.attributes == {**CHAT_BASE, **formatted(2), "error.type": "ValueError"}
    for node in (root, step, chat):
        assert_failed(node, "ValueError", "ValueError: boom")


def test_tool_error_fails_its_span_while_agentscope_answers_with_error_text(traced) -> None:
    """AgentScope 1.x catches the tool's exception inside
    ``Toolkit.call_tool_function`` and returns ``ToolResponse("Error: ...")``:
    the agent goes on, so only the tool's span is an error, with the
    exception's own type; what the agent and the model see is unchanged."""
    agent = make_agent()
    error = KeyError("no weather")
    script = Script("tf", [Step(tools=["get_weather"]), Step(text="recovered")], tool_error=error)

    async def main():
        reply = await call_with(agent, script)
        return reply, await agent.memory.get_memory()

    reply, memory = asyncio.run(main())

    assert reply.get_text_content() == "recovered"
    [tool_result] = [b for m in memory for b in m.get_content_blocks("tool_result")]
    assert tool_result["output"] == [{"type": "text", "text": "Error: 'no weather'"}]
    assert script.calls_made == 2
    assert script.tool_runs == 1  # watched, not re-run
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_agent Friday",
        [
            ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
            ("react step", [("chat scripted-model", [])]),
        ],
    )
    [tool] = root.find("execute_tool get_weather")
    assert tool.attributes == {
        **TOOL_BASE,
        "gen_ai.tool.call.id": "tf-1-0",
        "error.type": "KeyError",
    }
    assert_failed(tool, "KeyError", "KeyError: 'no weather'")
    assert [r.attributes for r in root.children] == [
        round_attributes(1, **{"gen_ai.react.finish_reason": "tool_calls"}, **tokens(1)),
        round_attributes(2, **{"gen_ai.react.finish_reason": "stop"}, **tokens(1)),
    ]
    assert root.attributes == {**agent_attributes(agent), **tokens(2)}
    others = [node for node in root.walk() if node is not tool]
    assert all(node.status == StatusCode.UNSET for node in others)
    assert all(list(node.span.events) == [] for node in others)


class BrokenAgent(ReActAgent):
    """An agent whose own reply fails before it reasons."""

    error: BaseException = RuntimeError("agent broke")

    async def reply(self, *args, **kwargs):
        raise self.error


@pytest.fixture
def broken_agent_error():
    """A raised exception keeps its traceback, and so the frames it passed
    (with their locals); this one lives on the class, so drop that after the
    test, or later tests that count live call objects would find them."""
    yield BrokenAgent.error
    BrokenAgent.error.__traceback__ = None


def test_agent_reply_error_propagates_unchanged(traced, broken_agent_error) -> None:
    agent = BrokenAgent(
        name="Broken",
        sys_prompt="x",
        model=make_agent().model,
        formatter=OpenAIChatFormatter(),
        toolkit=make_toolkit(),
    )
    script = Script("br", [Step(text="never")])

    with pytest.raises(RuntimeError) as caught:
        asyncio.run(call_with(agent, script))

    assert caught.value is broken_agent_error
    assert script.calls_made == 0
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_agent Broken", [])
    assert root.attributes == {**agent_attributes(agent), "error.type": "RuntimeError"}
    assert_failed(root, "RuntimeError", "RuntimeError: agent broke")


# -- cancellation --------------------------------------------------------------
#
# AgentScope 1.x absorbs a cancelled reply: ``AgentBase.__call__`` catches the
# CancelledError and returns ``handle_interrupt``'s message, flagged with
# ``metadata["_is_interrupted"]``. The call still did not complete, so its
# spans are marked cancelled.

# AgentScope 1.0.8 flagged the message `is_interrupted`; 1.0.9 renamed it.
INTERRUPTED = {"is_interrupted" if AGENTSCOPE_VERSION < (1, 0, 9) else "_is_interrupted": True}
ONE_ROUND = ("invoke_agent Friday", [("react step", [("chat scripted-model", [])])])


def test_interrupt_while_the_model_waits_cancels_the_open_spans(traced) -> None:
    agent = make_agent()
    script = GatedScript("int", [Step(tools=["get_weather"], delay=30), Step(text="never")])
    started = record_started(traced)

    async def main():
        task = asyncio.create_task(call_with(agent, script))
        await script.model_waiting.wait()
        await agent.interrupt()
        return await task

    reply = asyncio.run(main())

    assert reply.metadata == INTERRUPTED
    assert script.calls_made == 1
    assert_all_started_spans_ended(traced, started)
    [root] = build_trees(traced.spans())
    assert root.shape() == ONE_ROUND
    [step] = root.children
    [chat] = step.children
    assert root.attributes == {**agent_attributes(agent), "error.type": "cancelled"}
    assert step.attributes == round_attributes(1, **{"error.type": "cancelled"})
    assert chat.attributes == {**CHAT_BASE, **formatted(2), "error.type": "cancelled"}
    for node in (root, step, chat):
        assert_cancelled(node)


def test_task_cancel_while_a_tool_waits_in_round_two(traced) -> None:
    gate = ToolGate(on_call=2, delay=30)
    agent = make_agent(toolkit=make_gated_toolkit(gate))
    script = Script(
        "cx", [Step(tools=["get_weather"]), Step(tools=["get_weather"]), Step(text="never")]
    )
    started = record_started(traced)

    async def main():
        task = asyncio.create_task(call_with(agent, script))
        await gate.waiting.wait()
        task.cancel()
        return await task

    reply = asyncio.run(main())

    assert reply.metadata == INTERRUPTED
    assert (script.calls_made, gate.calls) == (2, 2)
    assert_all_started_spans_ended(traced, started)
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_agent Friday",
        [
            ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
            ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ],
    )
    first, second = root.children
    assert first.attributes == round_attributes(
        1, **{"gen_ai.react.finish_reason": "tool_calls"}, **tokens(1)
    )
    assert all(node.status == StatusCode.UNSET for node in first.walk())
    done_chat, cancelled_tool = second.children
    assert done_chat.status == StatusCode.UNSET
    assert done_chat.attributes == {
        **CHAT_BASE,
        **formatted(4),
        "gen_ai.response.id": "resp-cx",
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 5,
    }
    assert cancelled_tool.attributes == {
        **TOOL_BASE,
        "gen_ai.tool.call.id": "cx-2-0",
        "error.type": "cancelled",
    }
    assert second.attributes == round_attributes(2, **{"error.type": "cancelled"}, **tokens(1))
    assert root.attributes == {**agent_attributes(agent), "error.type": "cancelled", **tokens(2)}
    for node in (root, second, cancelled_tool):
        assert_cancelled(node)


def test_wait_for_timeout_cancels_the_open_spans(traced) -> None:
    """``asyncio.wait_for`` cancels the call on timeout; since AgentScope
    absorbs the cancellation, wait_for returns the interrupted message
    instead of raising TimeoutError."""
    agent = make_agent()
    script = Script("to", [Step(tools=["get_weather"], delay=30)])
    started = record_started(traced)

    async def main():
        # The model waits 30 s; the timeout leaves a loaded machine a whole
        # second to bring the call to the model first.
        return await asyncio.wait_for(call_with(agent, script), timeout=1.0)

    reply = asyncio.run(main())

    assert reply.metadata == INTERRUPTED
    assert script.calls_made == 1
    assert_all_started_spans_ended(traced, started)
    [root] = build_trees(traced.spans())
    assert root.shape() == ONE_ROUND
    for node in root.walk():
        assert_cancelled(node)
    assert root.attributes == {**agent_attributes(agent), "error.type": "cancelled"}


def test_no_call_state_survives_a_failed_or_cancelled_call(traced) -> None:
    from otelscope.core import calls

    agent = make_agent()

    async def main() -> None:
        with pytest.raises(ValueError):
            await call_with(agent, Script("e", [Step(error=ValueError("x"))]))
        assert calls.current_call() is None
        script = GatedScript("c", [Step(delay=30)])
        task = asyncio.create_task(call_with(agent, script))
        await script.model_waiting.wait()
        task.cancel()
        await task
        assert calls.current_call() is None
        reply = await call_with(agent, Script("ok", [Step(text="fine")]))
        assert reply.get_text_content() == "fine"

    asyncio.run(main())
    roots = build_trees(traced.spans())
    assert [root.shape() for root in roots] == [ONE_ROUND] * 3
    assert [root.status for root in roots] == [StatusCode.ERROR, StatusCode.ERROR, StatusCode.UNSET]


def test_streaming_tool_error_is_not_caught_by_agentscope_and_fails_the_call(traced) -> None:
    """Unlike a plain tool, a tool that is an async generator raises from
    inside the stream that ``call_tool_function`` returns; AgentScope 1.x does
    not catch that, so the error reaches the caller unchanged."""
    boom = KeyError("tool stream broke")

    async def get_weather(city: str):
        """Get the weather of a city.

        Args:
            city (str): The city name.
        """
        yield ToolResponse(
            content=[TextBlock(type="text", text="partial")], stream=True, is_last=False
        )
        raise boom

    toolkit = Toolkit()
    toolkit.register_tool_function(get_weather)
    agent = make_agent(toolkit=toolkit)
    script = Script("ts", [Step(tools=["get_weather"]), Step(text="never")])

    with pytest.raises(KeyError) as caught:
        asyncio.run(call_with(agent, script))

    assert caught.value is boom
    assert script.calls_made == 1
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_agent Friday",
        [
            ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ],
    )
    [step] = root.children
    chat, tool = step.children
    assert chat.status == StatusCode.UNSET
    assert tool.attributes == {
        **TOOL_BASE,
        "gen_ai.tool.call.id": "ts-1-0",
        "error.type": "KeyError",
    }
    assert step.attributes == round_attributes(1, **{"error.type": "KeyError"}, **tokens(1))
    for node in (root, step, tool):
        assert_failed(node, "KeyError", "KeyError: 'tool stream broke'")


def test_cancel_while_one_of_two_parallel_tools_waits(traced) -> None:
    gate = ToolGate(on_call=2, delay=30)
    agent = make_agent(toolkit=make_gated_toolkit(gate), parallel_tool_calls=True)
    script = Script("pc", [Step(tools=["get_weather", "get_weather"]), Step(text="never")])
    started = record_started(traced)

    async def main():
        task = asyncio.create_task(call_with(agent, script))
        await gate.waiting.wait()
        task.cancel()
        return await task

    reply = asyncio.run(main())

    assert reply.metadata == INTERRUPTED
    assert_all_started_spans_ended(traced, started)
    [root] = build_trees(traced.spans())
    tool = ("execute_tool get_weather", [])
    assert root.shape() == (
        "invoke_agent Friday",
        [("react step", [("chat scripted-model", []), tool, tool])],
    )
    [step] = root.children
    chat, finished_tool, waiting_tool = step.children
    assert (chat.status, finished_tool.status) == (StatusCode.UNSET, StatusCode.UNSET)
    assert finished_tool.attributes["gen_ai.tool.call.id"] == "pc-1-0"
    assert waiting_tool.attributes["gen_ai.tool.call.id"] == "pc-1-1"
    for node in (root, step, waiting_tool):
        assert_cancelled(node)


class WaitingAgent(AgentBase):
    """A custom (non-ReAct) agent: no react rounds see its cancellation, and
    its ``handle_interrupt`` may or may not flag the message the way
    AgentScope's own agents do (``metadata["_is_interrupted"]``)."""

    def __init__(self, flag_interrupt: bool) -> None:
        super().__init__()
        self.name = "Waiter"
        self.flag_interrupt = flag_interrupt
        self.replying = asyncio.Event()

    async def reply(self, msg: Msg | None = None) -> Msg:
        self.replying.set()
        await asyncio.sleep(30)
        return Msg(self.name, "done", "assistant")

    async def handle_interrupt(self, *args, **kwargs) -> Msg:
        metadata = INTERRUPTED if self.flag_interrupt else None
        return Msg(self.name, "stopped", "assistant", metadata=metadata)

    async def observe(self, msg) -> None:
        pass


@pytest.mark.parametrize(
    "flag_interrupt",
    [
        pytest.param(True, id="flagged"),
        pytest.param(False, id="unflagged"),
    ],
)
def test_interrupted_custom_agent_is_marked_cancelled(traced, flag_interrupt) -> None:
    agent = WaitingAgent(flag_interrupt)

    async def main() -> Msg:
        task = asyncio.create_task(agent(Msg("user", "hi", "user")))
        await agent.replying.wait()
        await agent.interrupt()
        return await task

    reply = asyncio.run(main())

    assert reply.get_text_content() == "stopped"  # AgentScope absorbed the cancellation
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_agent Waiter", [])
    assert root.attributes == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "Waiter",
        "gen_ai.agent.id": agent.id,
        "gen_ai.conversation.id": run_id(),
        "error.type": "cancelled",
    }
    assert_cancelled(root)

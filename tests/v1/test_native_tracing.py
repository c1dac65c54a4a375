"""AgentScope 1.x's own tracing (``agentscope.tracing``) next to otelscope.

The native decorators run when the ContextVar behind
``agentscope._config.trace_enabled`` is True (``agentscope.init`` sets it; the
tests set it inside the coroutine they run) and take their tracer from
``agentscope.tracing._trace._get_tracer``, which uses the global provider.
The tests route it to their own provider instead, so no global state is set.
"""

from __future__ import annotations

import asyncio

import agentscope
import pytest
from agentscope.tracing import _trace, trace_llm
from opentelemetry.trace import StatusCode

from tests.conftest import Traced
from tests.spantree import build_trees
from tests.v1.kit import (
    AGENTSCOPE_VERSION,
    Script,
    ScriptedChatModel,
    Step,
    call_with,
    current_script,
    make_agent,
)
from tests.v1.kit import two_tool_rounds as rounds


class NativelyTracedModel(ScriptedChatModel):
    """A model whose ``__call__`` carries AgentScope's ``@trace_llm``, as the
    built-in 1.x models do."""

    @trace_llm
    async def __call__(self, *args, **kwargs):
        return await super().__call__(*args, **kwargs)


OTELSCOPE_TREE = (
    "invoke_agent Friday",
    [
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", [])]),
    ],
)
# AgentScope's own span names: GenAI-style in recent releases, function
# names in early 1.x ones (1.0.8 is the oldest the suite runs on).
if AGENTSCOPE_VERSION >= (1, 0, 9):
    NATIVE_REPLY, NATIVE_FORMAT = "invoke_agent Friday", "format openai"
    NATIVE_CHAT, NATIVE_TOOL = "chat scripted-model", "execute_tool get_weather"
else:
    NATIVE_REPLY, NATIVE_FORMAT = "ReActAgent.reply", "OpenAIChatFormatter.format"
    NATIVE_CHAT, NATIVE_TOOL = "NativelyTracedModel.__call__", "call_tool_function"
NATIVE_ROUND = [(NATIVE_FORMAT, []), (NATIVE_CHAT, []), (NATIVE_TOOL, [])]
NATIVE_TREE = (NATIVE_REPLY, [*NATIVE_ROUND, *NATIVE_ROUND, *NATIVE_ROUND[:2]])


def route_native_spans(monkeypatch, provider) -> None:
    def native_tracer(*args, **kwargs):
        return provider.get_tracer("agentscope", agentscope.__version__)

    if hasattr(_trace, "_get_tracer"):
        monkeypatch.setattr(_trace, "_get_tracer", native_tracer)
    else:  # earlier releases ask the global API for a tracer on every call
        import opentelemetry.trace

        monkeypatch.setattr(opentelemetry.trace, "get_tracer", native_tracer)


async def call_with_native_tracing(agent, script) -> tuple[str, bool]:
    """One call with native tracing on; returns the reply text and the flag after."""
    agentscope._config.trace_enabled = True
    reply = await call_with(agent, script)
    return reply.get_text_content(), agentscope._config.trace_enabled


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_with_otelscope_one_call_gives_only_otelscope_spans(traced, monkeypatch, stream) -> None:
    route_native_spans(monkeypatch, traced.provider)
    agent = make_agent(model=NativelyTracedModel(stream=stream))

    text, flag_after = asyncio.run(call_with_native_tracing(agent, rounds("Nat")))

    assert text == "Done Nat"
    assert flag_after is True  # otelscope switched it off only inside its operations
    [root] = build_trees(traced.spans())
    assert root.shape() == OTELSCOPE_TREE
    assert {n.span.instrumentation_scope.name for n in root.walk()} == {"otelscope"}
    assert all(n.status == StatusCode.UNSET for n in root.walk())


def test_with_otelscope_a_direct_model_call_gives_one_otelscope_span(traced, monkeypatch) -> None:
    route_native_spans(monkeypatch, traced.provider)
    model = NativelyTracedModel()

    async def main():
        agentscope._config.trace_enabled = True
        current_script.set(Script("direct", [Step(text="hi")]))
        return await model([{"role": "user", "content": "hi"}])

    response = asyncio.run(main())

    assert response.content[0]["text"] == "hi"
    [chat] = build_trees(traced.spans())
    assert chat.shape() == ("chat scripted-model", [])
    assert chat.span.instrumentation_scope.name == "otelscope"


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_without_otelscope_the_native_spans_appear(monkeypatch, stream) -> None:
    """The control: the same call, uninstrumented, does produce native spans,
    so the tests above would see them if otelscope let them through."""
    state = Traced()  # not instrumented
    route_native_spans(monkeypatch, state.provider)
    agent = make_agent(model=NativelyTracedModel(stream=stream))

    text, _ = asyncio.run(call_with_native_tracing(agent, rounds("Nat")))

    assert text == "Done Nat"
    [root] = build_trees(state.spans())
    assert root.shape() == NATIVE_TREE
    assert {n.span.instrumentation_scope.name for n in root.walk()} == {"agentscope"}
    assert all(n.status == StatusCode.OK for n in root.walk())


def test_after_uninstrument_the_native_spans_come_back(traced, monkeypatch) -> None:
    route_native_spans(monkeypatch, traced.provider)
    agent = make_agent(model=NativelyTracedModel())
    asyncio.run(call_with_native_tracing(agent, rounds("A")))
    traced.instrumentor.uninstrument()
    traced.exporter.clear()

    asyncio.run(call_with_native_tracing(agent, rounds("B")))

    [root] = build_trees(traced.spans())
    assert root.shape() == NATIVE_TREE
    assert {n.span.instrumentation_scope.name for n in root.walk()} == {"agentscope"}

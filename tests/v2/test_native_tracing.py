"""AgentScope 2.x's own ``TracingMiddleware`` next to otelscope.

``TracingMiddleware`` (``agentscope.middleware._tracing._trace``) implements
``on_reply``, ``on_model_call`` and ``on_acting``; it emits spans only when
``_check_tracing_enabled()`` finds an SDK ``TracerProvider`` installed
globally, and takes its tracer from ``_get_tracer()`` (the global provider).
The tests patch both names in that module so that the native spans go to the
test's own provider, without touching the global provider.

While otelscope traces a call it takes ``TracingMiddleware`` out of the
agent's middleware lists, so no operation is traced twice, and puts it back
at its place afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from agentscope import __version__ as agentscope_version
from agentscope.middleware import MiddlewareBase, TracingMiddleware
from agentscope.middleware._tracing import _trace
from opentelemetry.trace import StatusCode

from otelscope.agentscope_v2.middleware import OtelscopeMiddleware
from tests.spantree import build_trees
from tests.v2.kit import (
    assert_ok,
    call_with,
    make_agent,
    make_toolkit,
    reply_text,
    two_tool_rounds,
)

LISTS = (
    "_reply_middlewares",
    "_reasoning_middlewares",
    "_acting_middlewares",
    "_model_call_middlewares",
)
OTELSCOPE_TREE = (
    "invoke_agent Friday",
    [
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", [])]),
    ],
)


class PassThrough(MiddlewareBase):
    """A user middleware on every hook TracingMiddleware uses, and on_reasoning."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def on_reply(
        self, agent: Any, input_kwargs: dict, next_handler: Any
    ) -> AsyncGenerator[Any, None]:
        async for item in next_handler(**input_kwargs):
            yield item

    async def on_reasoning(
        self, agent: Any, input_kwargs: dict, next_handler: Any
    ) -> AsyncGenerator[Any, None]:
        async for item in next_handler(**input_kwargs):
            yield item

    async def on_acting(
        self, agent: Any, input_kwargs: dict, next_handler: Any
    ) -> AsyncGenerator[Any, None]:
        async for item in next_handler(**input_kwargs):
            yield item

    async def on_model_call(self, agent: Any, input_kwargs: dict, next_handler: Any) -> Any:
        return await next_handler(**input_kwargs)

    def __repr__(self) -> str:
        return f"PassThrough({self.name})"


@pytest.fixture
def native_tracing(traced, monkeypatch):
    """Native tracing switched on, into the test's provider only."""
    monkeypatch.setattr(_trace, "_check_tracing_enabled", lambda: True)
    monkeypatch.setattr(
        _trace, "_get_tracer", lambda: traced.provider.get_tracer("agentscope", agentscope_version)
    )
    return traced


def lists_of(agent: Any) -> dict[str, list[Any]]:
    return {name: list(getattr(agent, name)) for name in LISTS}


def names(chain: list[Any]) -> list[str]:
    return [type(m).__name__ if not isinstance(m, PassThrough) else repr(m) for m in chain]


def run_with_native_tracing() -> tuple[Any, dict[str, list[Any]], list[dict[str, list[Any]]]]:
    """One call of an agent built with [user, TracingMiddleware, user]
    middlewares; returns the agent, its lists before, and its lists as the
    tool bodies saw them during the call."""
    during: list[dict[str, list[Any]]] = []

    async def get_weather(city: str) -> str:
        """Get the weather of a city.

        Args:
            city (str): The city name.
        """
        during.append(lists_of(agent))
        return f"Sunny in {city}"

    agent = make_agent(
        toolkit=make_toolkit(get_weather),
        middlewares=[PassThrough("a"), TracingMiddleware(), PassThrough("b")],
    )
    before = lists_of(agent)
    assert {name: names(chain) for name, chain in before.items()} == {
        "_reply_middlewares": ["PassThrough(a)", "TracingMiddleware", "PassThrough(b)"],
        "_reasoning_middlewares": ["PassThrough(a)", "PassThrough(b)"],
        "_acting_middlewares": ["PassThrough(a)", "TracingMiddleware", "PassThrough(b)"],
        "_model_call_middlewares": ["PassThrough(a)", "TracingMiddleware", "PassThrough(b)"],
    }
    reply = asyncio.run(call_with(agent, two_tool_rounds("Paris")))
    assert reply_text(reply) == "Done Paris"
    return agent, before, during


def assert_same_lists(agent: Any, expected: dict[str, list[Any]]) -> None:
    """Every list holds exactly the expected middlewares (by identity), in order."""
    now = lists_of(agent)
    for name in LISTS:
        assert len(now[name]) == len(expected[name]), name
        assert all(a is b for a, b in zip(now[name], expected[name], strict=True)), name


def test_native_tracing_is_set_aside_during_the_call_and_put_back_after(native_tracing) -> None:
    agent, before, during = run_with_native_tracing()

    assert len(during) == 2
    for seen in during:
        assert {
            name: names(chain) for name, chain in seen.items() if name != "_model_call_middlewares"
        } == {
            "_reply_middlewares": ["OtelscopeMiddleware", "PassThrough(a)", "PassThrough(b)"],
            "_reasoning_middlewares": ["OtelscopeMiddleware", "PassThrough(a)", "PassThrough(b)"],
            "_acting_middlewares": ["OtelscopeMiddleware", "PassThrough(a)", "PassThrough(b)"],
        }
        assert isinstance(seen["_reply_middlewares"][0], OtelscopeMiddleware)
    # After the call: the very same middlewares, TracingMiddleware at its index.
    assert_same_lists(agent, before)
    assert isinstance(agent._reply_middlewares[1], TracingMiddleware)


def test_with_otelscope_one_call_gives_exactly_otelscopes_tree(native_tracing) -> None:
    agent, before, during = run_with_native_tracing()

    for seen in during:
        assert names(seen["_model_call_middlewares"]) == ["PassThrough(a)", "PassThrough(b)"]
    spans = native_tracing.spans()
    assert sorted({s.instrumentation_scope.name for s in spans}) == ["otelscope"]
    [root] = build_trees(spans)
    assert root.shape() == OTELSCOPE_TREE
    for node in root.walk():
        assert_ok(node)
    assert_same_lists(agent, before)


def test_without_otelscope_the_native_spans_appear(native_tracing) -> None:
    native_tracing.instrumentor.uninstrument()

    agent, before, during = run_with_native_tracing()

    # Nothing was moved: TracingMiddleware stayed where the user put it.
    assert all(seen == before for seen in during)
    assert_same_lists(agent, before)
    spans = native_tracing.spans()
    assert sorted({s.instrumentation_scope.name for s in spans}) == ["agentscope"]
    [root] = build_trees(spans)
    assert root.shape() == (
        "invoke_agent Friday",
        [
            ("chat scripted-model", []),
            ("execute_tool get_weather", []),
            ("chat scripted-model", []),
            ("execute_tool get_weather", []),
            ("chat scripted-model", []),
        ],
    )
    assert all(node.status == StatusCode.OK for node in root.walk())
